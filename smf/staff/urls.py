from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("who-may-do-what/", views.who_may_do_what, name="who_may_do_what"),
]
