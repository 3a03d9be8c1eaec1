"""Funding disbursements: recorded by the outreach app, managed by the reports section.

They moved from the reports app (outreach migrations 0009-0010, reports 0005):
the rows, the table's constraint and index, the content type and so every
permission granted on it came along.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from outreach.models import Disbursement
from smf.imports.spec import file_names, spec_for
from smf.staff.permissions import role_has_perm
from smf.staff.roles import Role
from smf.staff.services import staff_create
from tests import factories
from tests.conftest import PASSWORD

BEFORE_THE_MOVE = [
    ("outreach", "0008_clinic_results_encrypt_values"),
    ("reports", "0004_import_moved_to_smf_imports"),
]


def _table_facts(table: str) -> tuple[set[str], bool]:
    """The table's constraint names, and whether given_on has an index of its own."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = any(c["index"] and c["columns"] == ["given_on"] for c in constraints.values())
    return set(constraints), indexed


@pytest.mark.django_db
def test_a_disbursement_is_an_outreach_record_in_the_outreach_table():
    assert apps.get_model("outreach", "Disbursement") is Disbursement
    with pytest.raises(LookupError):
        apps.get_model("reports", "Disbursement")
    assert Disbursement._meta.db_table == "outreach_disbursement"
    tables = connection.introspection.table_names()
    assert "outreach_disbursement" in tables
    assert "reports_disbursement" not in tables
    constraints, given_on_indexed = _table_facts("outreach_disbursement")
    assert "disbursement_not_negative" in constraints
    assert given_on_indexed
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            given_on=date(2011, 1, 1), recipient="P", region="us", amount_usd=Decimal("-1")
        )


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_rows_and_every_permission_granted_on_disbursements():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    try:
        old = executor.loader.project_state(BEFORE_THE_MOVE).apps
        old_ct = old.get_model("contenttypes", "ContentType").objects.get(
            app_label="reports", model="disbursement"
        )
        old.get_model("reports", "Disbursement").objects.create(
            given_on=date(2011, 3, 1),
            recipient="AFESIP Cambodia",
            region="southeast_asia",
            amount_usd=Decimal("924000.50"),
        )
        # Grants made outside the role groups: a group of one's own, a user's own.
        change = old.get_model("auth", "Permission").objects.get(
            content_type=old_ct, codename="change_disbursement"
        )
        treasurers = old.get_model("auth", "Group").objects.create(name="treasurers")
        treasurers.permissions.add(change)
        keeper = old.get_model("auth", "User").objects.create(username="keeper")
        keeper.user_permissions.add(change)
        old_ct_id, change_id = old_ct.pk, change.pk
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = Disbursement.objects.get()
    assert (moved.recipient, moved.amount_usd) == ("AFESIP Cambodia", Decimal("924000.50"))
    assert ContentType.objects.get_for_model(Disbursement).pk == old_ct_id
    assert not ContentType.objects.filter(app_label="reports", model="disbursement").exists()
    permission = Permission.objects.get(pk=change_id)
    assert (permission.content_type.app_label, permission.codename) == (
        "outreach",
        "change_disbursement",
    )
    assert Group.objects.get(name="treasurers").permissions.get() == permission
    assert User.objects.get(username="keeper").has_perm("outreach.change_disbursement")
    constraints, given_on_indexed = _table_facts("outreach_disbursement")
    assert "disbursement_not_negative" in constraints and given_on_indexed


@pytest.mark.django_db
def test_directors_and_administrators_still_manage_disbursements():
    """The reports section (reports/access.py) still decides, not outreach's."""
    for role in (Role.DIRECTOR, Role.ADMINISTRATOR):
        user = staff_create(username=role, password=PASSWORD, roles=[role])
        for action in ("view", "add", "change"):
            assert role_has_perm(user, "outreach", f"{action}_disbursement"), (role, action)
        group = Group.objects.get(name=role)
        assert group.permissions.filter(
            content_type__app_label="outreach", codename="change_disbursement"
        ).exists()
    outreach = Group.objects.get(name=Role.OUTREACH_WORKER)
    assert not outreach.permissions.filter(codename__endswith="_disbursement").exists()


@pytest.mark.django_db
def test_the_administrator_opens_the_disbursements_admin(login, administrator):
    disbursement = factories.disbursement()
    client = login(administrator)
    for url in (
        reverse("admin:outreach_disbursement_changelist"),
        reverse("admin:outreach_disbursement_add"),
        reverse("admin:outreach_disbursement_change", args=[disbursement.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_staff_without_the_reports_section_cannot_open_the_disbursements_admin(login):
    """An outreach worker given the admin's door (is_staff) still may not: the
    outreach section does not carry disbursements."""
    worker = staff_create(username="ow-staff", password=PASSWORD, roles=[Role.OUTREACH_WORKER])
    User.objects.filter(pk=worker.pk).update(is_staff=True)
    client = login(User.objects.get(pk=worker.pk))
    disbursement = factories.disbursement()
    assert client.get(reverse("admin:outreach_disbursement_changelist")).status_code == 403
    change = reverse("admin:outreach_disbursement_change", args=[disbursement.pk])
    assert client.get(change).status_code == 403
    assert client.get(reverse("admin:outreach_venue_changelist")).status_code == 200  # control


@pytest.mark.django_db
def test_the_director_gets_no_admin_as_before(login, director):
    response = login(director).get(reverse("admin:outreach_disbursement_changelist"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_disbursements_csv_is_outreach_s_and_still_imported_last():
    assert spec_for("disbursements.csv").model is Disbursement
    assert file_names()[-1] == "disbursements.csv"
