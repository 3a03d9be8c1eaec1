from django.urls import path

from . import case_views

# The start page, included at the site's root (no namespace: its name is "home").
urlpatterns = [path("", case_views.home, name="home")]
