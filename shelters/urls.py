from django.urls import path

from . import views

app_name = "shelters"

urlpatterns = [
    path("", views.center_list, name="list"),
    # Center life of one case, addressed by case code (records by uuid).
    path("cases/<str:case_code>/", views.case_center, name="case_center"),
    path("cases/<str:case_code>/admit/", views.case_admit, name="case_admit"),
    path("cases/<str:case_code>/transfer/", views.case_transfer, name="case_transfer"),
    path("cases/<str:case_code>/discharge/", views.case_discharge, name="case_discharge"),
    path("cases/<str:case_code>/education/add/", views.education_add, name="education_add"),
    path(
        "cases/<str:case_code>/education/<uuid:uuid>/",
        views.education_edit,
        name="education_edit",
    ),
    path("cases/<str:case_code>/trainings/add/", views.training_add, name="training_add"),
    path("cases/<str:case_code>/trainings/<uuid:uuid>/", views.training_edit, name="training_edit"),
    path("cases/<str:case_code>/internships/add/", views.internship_add, name="internship_add"),
    path(
        "cases/<str:case_code>/internships/<uuid:uuid>/",
        views.internship_edit,
        name="internship_edit",
    ),
    # Pages of a center, addressed by its code.
    path("<str:code>/", views.center_detail, name="detail"),
    path("<str:code>/admit/", views.center_admit, name="admit"),
    path("<str:code>/activities/add/", views.activity_add, name="activity_add"),
    path("<str:code>/activities/<uuid:uuid>/", views.activity_detail, name="activity"),
]
