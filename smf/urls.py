from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from smf import views as smf_views

urlpatterns = [
    path("", include("shelters.home_urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", include("shelters.case_urls")),
    path("cases/", include("cases.urls")),
    path("centers/", include("shelters.urls")),
    path("reintegration/", include("reintegration.urls")),
    path("outreach/", include("outreach.urls")),
    path("reports/", include("reports.urls")),
    path("staff/", include("smf.staff.urls")),
    path("admin/", admin.site.urls),
    path("healthz", smf_views.healthz, name="healthz"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
