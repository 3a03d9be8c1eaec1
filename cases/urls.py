from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("audit/", views.audit_user, name="audit_user"),
    path("legal/", views.legal_list, name="legal_list"),
    # Court references may hold slashes: the action routes come first.
    path("legal/<path:reference>/hearings/", views.hearing_add, name="hearing_add"),
    path("legal/<path:reference>/outcome/", views.legal_outcome, name="legal_outcome"),
    path("legal/<path:reference>/", views.legal_detail, name="legal_detail"),
    path("<str:code>/", views.case_file, name="file"),
    path("<str:code>/edit/", views.case_edit, name="edit"),
    path("<str:code>/notes/", views.note_add, name="note_add"),
    path("<str:code>/consents/", views.consent_add, name="consent_add"),
    path("<str:code>/consents/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<str:code>/legal/new/", views.legal_case_new, name="legal_new"),
    path("<str:code>/audit/", views.audit_case, name="audit_case"),
]
