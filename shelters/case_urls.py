from django.urls import path

from . import case_views

# Included at /cases/ beside the cases app's own pages.
app_name = "caseload"

urlpatterns = [
    path("", case_views.case_list, name="list"),
    path("new/", case_views.case_new, name="new"),
    path("export.csv", case_views.case_export, name="export"),
]
