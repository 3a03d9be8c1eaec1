from django.urls import path  # noqa: F401

from . import views, views_import  # noqa: F401

app_name = "reports"

urlpatterns = [
    # --- impact reports (reports/views.py) ---
    path("", views.index, name="index"),
    path("request/", views.request_report, name="request"),
    path("status.json", views.status, name="status"),
    path("<uuid:report_uuid>/download/", views.download, name="download"),
    path("<uuid:report_uuid>/changes/", views.version_changes, name="version_changes"),
    path(
        "<uuid:report_uuid>/changes/<str:key>/",
        views.version_figure_changes,
        name="version_figure_changes",
    ),
    path("figures/<int:year>.csv", views.figures_download, name="figures_csv"),
    path("figures/<int:year>/<str:key>/", views.figure_records, name="figure_records"),
    # --- bulk import (reports/views_import.py) ---
    path("import/", views_import.import_upload, name="import_upload"),
    path("import/<uuid:job_uuid>/", views_import.import_detail, name="import_detail"),
    path("import/<uuid:job_uuid>/status/", views_import.import_status, name="import_status"),
    path("import/<uuid:job_uuid>/confirm/", views_import.import_confirm, name="import_confirm"),
]
