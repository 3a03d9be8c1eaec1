from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from smf import views as smf_views
from smf.staff import twofactor
from smf.staff import views as staff_views

urlpatterns = [
    path("", include("shelters.home_urls")),
    path("login/", twofactor.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", staff_views.PasswordChange.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("shelters.case_urls")),
    path("cases/", include("cases.urls")),
    path("centers/", include("shelters.urls")),
    path("reintegration/", include("reintegration.urls")),
    path("outreach/", include("outreach.urls")),
    path("reports/", include("reports.urls")),
    path("staff/", include("smf.staff.urls")),
    path("account/two-factor/", include("smf.staff.twofactor_urls")),
    # One password change page, audited: the admin's own link leads to it.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change"),
        name="admin_password_change",
    ),
    # The admin signs in through /login/, with its second factor.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
    path("healthz", smf_views.healthz, name="healthz"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
