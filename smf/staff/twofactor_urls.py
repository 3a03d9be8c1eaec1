"""The two-factor pages, under the namespace django-two-factor-auth's own views
reverse ("two_factor"). The sign-in itself is /login/ (smf/urls.py)."""

from django.urls import path

from . import twofactor

app_name = "two_factor"

urlpatterns = [
    path("", twofactor.ProfileView.as_view(), name="profile"),
    path("setup/", twofactor.SetupView.as_view(), name="setup"),
    path("setup/qr-code/", twofactor.QRCodeView.as_view(), name="qr"),
    path("setup/done/", twofactor.SetupCompleteView.as_view(), name="setup_complete"),
    path("recovery-codes/", twofactor.RecoveryCodesView.as_view(), name="backup_tokens"),
    path("turn-off/", twofactor.DisableView.as_view(), name="disable"),
]
