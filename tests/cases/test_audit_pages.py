"""Directors and administrators read the audit log per case and per user; nobody edits it."""

import pytest
from django.contrib import admin

from smf.staff.audit import audit_record
from smf.staff.models import AuditLog

pytestmark = pytest.mark.django_db


def test_director_reads_audit_per_case_and_per_user(
    login, director, social_worker_tom_dy, resident_tom_dy, django_assert_num_queries
):
    login(social_worker_tom_dy).get(f"/cases/{resident_tom_dy.code}/")
    audit_record(user=social_worker_tom_dy, action="case_view", case_code="OTHER-1")
    client = login(director)
    response = client.get(f"/cases/{resident_tom_dy.code}/audit/")
    entries = list(response.context["page"])
    assert [(e.action, e.case_code) for e in entries] == [("case_view", resident_tom_dy.code)]
    assert "sw_tomdy" in response.content.decode()
    client.get("/cases/audit/", {"user": "sw_tomdy"})
    # 6 = session, user, roles (groups), COUNT, whether the Centers menu entry
    # shows (the centers she sees: one EXISTS, once per request), the page of
    # entries with their users.
    with django_assert_num_queries(6):
        response = client.get("/cases/audit/", {"user": "sw_tomdy"})
    # Her log-in is audited too (smf.staff.signin), with no case code.
    assert {(e.action, e.case_code) for e in response.context["page"]} == {
        ("login", ""),
        ("case_view", resident_tom_dy.code),
        ("case_view", "OTHER-1"),
    }


@pytest.mark.parametrize(
    "persona",
    ["social_worker_tom_dy", "center_manager_tom_dy", "legal_officer", "no_role_user"],
)
def test_other_roles_cannot_read_the_audit_log(request, login, persona, resident_tom_dy):
    client = login(request.getfixturevalue(persona))
    assert client.get(f"/cases/{resident_tom_dy.code}/audit/").status_code == 404
    assert client.get("/cases/audit/").status_code == 404


def test_audit_admin_is_read_only_even_for_administrators(rf, administrator):
    entry = audit_record(user=administrator, action="case_view", case_code="X-1")
    model_admin = admin.site._registry[AuditLog]
    request = rf.get("/admin/")
    request.user = administrator
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_case_admin_list_shows_no_names(login, administrator, resident_tom_dy):
    administrator.is_superuser = True
    administrator.save()
    client = login(administrator)
    page = client.get("/admin/cases/case/").content.decode()
    assert resident_tom_dy.code in page
    assert "ស្រីមុំ" not in page
    page = client.get(f"/admin/cases/case/{resident_tom_dy.pk}/change/").content.decode()
    assert "ស្រីមុំ" not in page
    from cases.admin import CaseAdmin

    assert not {"given_name", "family_name", "phone", "address"} & set(CaseAdmin.list_display)


def test_every_cases_model_has_an_admin():
    from django.apps import apps

    for model in apps.get_app_config("cases").get_models():
        assert model in admin.site._registry, model.__name__
