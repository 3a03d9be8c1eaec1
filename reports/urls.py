from django.urls import path  # noqa: F401

from . import views  # noqa: F401

app_name = "reports"

urlpatterns = [
    # --- impact reports (reports/views.py) ---
    # --- bulk import (reports/views_import.py) ---
]
