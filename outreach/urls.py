from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.index, name="index"),
    path("venues/", views.venue_list, name="venues"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<str:code>/", views.venue_edit, name="venue_edit"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("supplies/", views.supplies, name="supplies"),
    path("supplies/receive/", views.supply_receive, name="supply_receive"),
    path("supplies/items/new/", views.supply_item_create, name="supply_item_create"),
    path("supplies/items/<slug:code>/", views.supply_item_edit, name="supply_item_edit"),
    path("clinic/", views.clinic_list, name="clinic"),
    path("clinic/new/", views.clinic_create, name="clinic_create"),
    path("clinic/clients/<str:code>/", views.clinic_client, name="clinic_client"),
    path("advocacy/meetings/", views.meeting_list, name="meetings"),
    path("advocacy/meetings/new/", views.meeting_create, name="meeting_create"),
    path("advocacy/events/", views.event_list, name="events"),
    path("advocacy/events/new/", views.event_create, name="event_create"),
    path("advocacy/activities/", views.activity_list, name="activities"),
    path("advocacy/activities/new/", views.activity_create, name="activity_create"),
    path("totals/", views.totals, name="totals"),
]
