from django.urls import path

from . import views

app_name = "reintegration"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("calendar/", views.month_calendar, name="calendar"),
    path("team/", views.team, name="team"),
    path("settings/", views.schedule_settings, name="settings"),
    path("feed/", views.feed_settings, name="feed_settings"),
    path("feed/token/", views.feed_token, name="feed_token"),
    path("feed/<uuid:token>.ics", views.feed, name="feed"),
    path("cases/<str:code>/", views.case_page, name="case"),
    path("cases/<str:code>/plan/", views.plan_edit, name="plan"),
    path("cases/<str:code>/reintegrate/", views.reintegrate, name="reintegrate"),
    path("cases/<str:code>/support/", views.support_add, name="support_add"),
    path("cases/<str:code>/visits/add/", views.visit_add, name="visit_add"),
    path("visits/<uuid:uuid>/record/", views.visit_record, name="visit_record"),
    path("visits/<uuid:uuid>/reschedule/", views.visit_reschedule, name="visit_reschedule"),
    path("visits/<uuid:uuid>/cancel/", views.visit_cancel, name="visit_cancel"),
]
