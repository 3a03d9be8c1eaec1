"""On PostgreSQL the application connects as a role that `db_roles` makes: it
does the product's work, but may only read and append to the audit log, and
owns nothing, so it can neither TRUNCATE the log nor switch its trigger off."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from cases.services import case_update, cases_export_audit
from smf.staff.audit import CHAIN_LOCK, audit_record
from smf.staff.chain import line_hash
from smf.staff.models import AuditLog
from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD, require_postgres


def db_roles(role: str) -> str:
    out = StringIO()
    call_command("db_roles", role=role, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def app_role(transactional_db, settings):
    """A fresh application role in the test database (roles are shared by the
    whole cluster: the name is unique to this run), with a password (so the
    tests hold whatever PostgreSQL's authentication), dropped afterwards."""
    require_postgres()
    role = f"smf_app_test_{os.getpid()}_{secrets.token_hex(3)}"
    settings.DATABASE_APP_PASSWORD = secrets.token_hex(16)
    db_roles(role)
    yield role
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def connect_as(role: str):
    import psycopg2
    from django.conf import settings

    s = connection.settings_dict
    return psycopg2.connect(
        dbname=s["NAME"],
        user=role,
        password=settings.DATABASE_APP_PASSWORD,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    )


@contextmanager
def product_as(role: str):
    """The product's own connection, as the application role."""
    from django.conf import settings

    settings_dict = connection.settings_dict
    saved = settings_dict["USER"], settings_dict["PASSWORD"]
    connection.close()
    settings_dict["USER"], settings_dict["PASSWORD"] = role, settings.DATABASE_APP_PASSWORD
    try:
        yield
    finally:
        connection.close()
        settings_dict["USER"], settings_dict["PASSWORD"] = saved


FORBIDDEN = {
    "truncate": "TRUNCATE cases_auditlog",
    "truncate_cascade": "TRUNCATE cases_auditlog CASCADE",
    "update": "UPDATE cases_auditlog SET action = 'x'",
    "delete": "DELETE FROM cases_auditlog",
    "disable_trigger": "ALTER TABLE cases_auditlog DISABLE TRIGGER cases_auditlog_no_update",
    "disable_all_triggers": "ALTER TABLE cases_auditlog DISABLE TRIGGER ALL",
    "drop_trigger": "DROP TRIGGER cases_auditlog_no_update ON cases_auditlog",
    "replace_function": (
        "CREATE OR REPLACE FUNCTION cases_auditlog_append_only() RETURNS trigger"
        " AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
    ),
    "replication_role": "SET session_replication_role = replica",
    "rewind_sequence": "SELECT setval(pg_get_serial_sequence('cases_auditlog', 'id'), 1)",
    "drop_table": "DROP TABLE cases_auditlog",
    "fake_migration": "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
}


@pytest.mark.parametrize("name", FORBIDDEN)
def test_the_application_role_cannot_change_the_audit_log(app_role, name):
    import psycopg2

    entries = [audit_record(user=None, action="test", case_code=f"TD-{i}") for i in range(3)]
    conn = connect_as(app_role)
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(FORBIDDEN[name])
        conn.rollback()
    finally:
        conn.close()
    assert AuditLog.objects.filter(pk__in=[e.pk for e in entries]).count() == 3
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit log intact" in out.getvalue()


def test_the_application_role_reads_and_appends(app_role):
    audit_record(user=None, action="before")
    conn = connect_as(app_role)
    try:
        with conn.cursor() as cursor:
            # What the writer does: the lock, the last line, an id, the insert.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            cursor.execute("SELECT hash FROM cases_auditlog ORDER BY id DESC LIMIT 1")
            (prev,) = cursor.fetchone()
            cursor.execute("SELECT nextval(pg_get_serial_sequence('cases_auditlog', 'id')), now()")
            new_id, at = cursor.fetchone()
            digest = line_hash(
                id=new_id,
                at=at,
                user_id=None,
                action="by_app_role",
                case_code="",
                details={},
                prev_hash=prev,
            )
            cursor.execute(
                "INSERT INTO cases_auditlog (id, at, action, case_code, details, prev_hash, hash)"
                " VALUES (%s, %s, 'by_app_role', '', '{}', %s, %s)",
                [new_id, at, prev, digest],
            )
            conn.commit()
            cursor.execute("SELECT count(*) FROM cases_auditlog WHERE action = 'by_app_role'")
            assert cursor.fetchone()[0] == 1
            cursor.execute("SELECT current_user, pg_has_role(current_user, 'postgres', 'MEMBER')")
            assert cursor.fetchone() == (app_role, False)
    finally:
        conn.close()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit log intact" in out.getvalue()


def test_the_product_does_its_work_as_the_application_role(app_role, client):
    with product_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        center = factories.shelter("TD", name="Tom Dy")
        worker = factories.staff_member(
            username="sw", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[center]
        )
        case = factories.case("TD-2026-0001")
        factories.stay(case, center)
        client.force_login(worker)  # a session row
        assert client.get(reverse("cases:file", args=[case.code])).status_code == 200
        case_update(case=case, changes={"nationality": "Thai"}, version=case.version, user=worker)
        cases_export_audit(user=worker, codes=[case.code], filters={})
        assert AuditLog.objects.filter(action="case_view", case_code=case.code).exists()
        out = StringIO()
        call_command("audit_verify", stdout=out)  # the role may read the log
        assert "Audit log intact" in out.getvalue()
        with pytest.raises(CommandError, match="application role itself"):
            db_roles(app_role)


def test_db_roles_can_run_again_and_covers_every_table(app_role):
    assert "updated" in db_roles(app_role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolpassword IS NOT NULL"
            " FROM pg_authid WHERE rolname = %s",
            [app_role],
        )
        assert cursor.fetchone() == (False, False, False, True, True)
        tables = (
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()"
        )
        cursor.execute(
            f"SELECT relname FROM ({tables}) t WHERE NOT has_table_privilege(%s, t.oid, 'SELECT')",
            [app_role],
        )
        assert cursor.fetchall() == []
        cursor.execute(
            f"SELECT relname FROM ({tables}) t"
            " WHERE relname NOT IN ('cases_auditlog', 'django_migrations')"
            " AND NOT (has_table_privilege(%s, t.oid, 'INSERT')"
            " AND has_table_privilege(%s, t.oid, 'UPDATE')"
            " AND has_table_privilege(%s, t.oid, 'DELETE'))",
            [app_role] * 3,
        )
        assert cursor.fetchall() == []
        cursor.execute(f"SELECT count(*) FROM ({tables}) t")
        assert cursor.fetchone()[0] > 40
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles"
            " WHERE rolname = %s)",
            [app_role],
        )
        assert cursor.fetchone()[0] == 0


def test_db_roles_refuses_a_role_that_owns_a_table(app_role):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE smf_owned_by_app (id int)")
        cursor.execute(f'ALTER TABLE smf_owned_by_app OWNER TO "{app_role}"')
    try:
        with pytest.raises(CommandError, match="owns"):
            db_roles(app_role)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE smf_owned_by_app")


def test_db_roles_refuses_a_role_that_may_write_every_table(app_role):
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT pg_write_all_data TO "{app_role}"')
    with pytest.raises(CommandError, match="still has UPDATE on cases_auditlog"):
        db_roles(app_role)
    with connection.cursor() as cursor:
        cursor.execute(f'REVOKE pg_write_all_data FROM "{app_role}"')


@pytest.mark.django_db
def test_db_roles_does_nothing_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("about SQLite")
    assert "nothing to do" in db_roles("smf_app")
