"""The audit log is append-only: the ORM refuses, PostgreSQL refuses, no staff
group may change or delete it, and the admin shows it read-only."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from smf.staff.audit import audit_record
from smf.staff.models import AuditLog
from smf.staff.roles import Role
from smf.staff.services import roles_sync
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(director):
    return audit_record(user=director, action="view", case_code="TD-2011-0001")


def test_queryset_update_is_refused(entry):
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().update(case_code="")
    entry.refresh_from_db()
    assert entry.action == "view"


def test_queryset_delete_is_refused(entry):
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_update_is_refused_by_postgresql(entry):
    require_postgres()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE cases_auditlog SET action = %s WHERE id = %s", ["nothing", entry.pk])
    entry.refresh_from_db()
    assert entry.action == "view"


def test_raw_sql_delete_is_refused_by_postgresql(entry):
    require_postgres()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM cases_auditlog WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM cases_auditlog", [])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_new_lines_are_still_appended(entry):
    # Append-only, not read-only: the trigger must not stop new lines. (The
    # fixtures' role grants are audited too, hence counting from here.)
    before = AuditLog.objects.count()
    audit_record(user=None, action="login_failed")
    assert AuditLog.objects.count() == before + 1
    assert AuditLog.objects.filter(pk=entry.pk, action="view").exists()
    assert AuditLog.objects.filter(action="login_failed").count() == 1


def test_a_user_with_audit_lines_cannot_be_deleted_only_deactivated(entry, director):
    # Deleting would rewrite (or orphan) the audit trail: staff who leave are
    # deactivated instead, on every database.
    with pytest.raises(ProtectedError), transaction.atomic():
        director.delete()
    entry.refresh_from_db()
    assert entry.user_id == director.pk


@pytest.mark.parametrize("codename", ["change_auditlog", "delete_auditlog", "add_auditlog"])
def test_no_staff_group_may_change_or_delete_the_audit_log(codename):
    roles_sync()
    # The audit log is the ground app's model now (its table keeps its old name).
    permission = Permission.objects.get(content_type__app_label="staff", codename=codename)
    holders = Group.objects.filter(permissions=permission).values_list("name", flat=True)
    assert list(holders) == []
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def test_admin_shows_the_audit_log_read_only(entry, administrator):
    model_admin = site._registry[AuditLog]
    request = RequestFactory().get("/admin/cases/auditlog/")
    request.user = administrator
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_superuser_cannot_change_it_in_the_admin_either(entry, django_user_model):
    model_admin = site._registry[AuditLog]
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20)
    request = RequestFactory().get("/admin/cases/auditlog/")
    request.user = root
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
