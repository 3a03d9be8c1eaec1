from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("who-may-do-what/", views.who_may_do_what, name="who_may_do_what"),
    path("sessions/", views.sessions_list, name="sessions"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("sessions/<uuid:uuid>/end/", views.session_end, name="session_end"),
]
