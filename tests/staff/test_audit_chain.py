"""The audit log is a hash chain that `audit_verify` checks: a line changed,
removed or inserted behind the product's back, even by a database superuser, is
named by its id; concurrent writers keep one chain; every writer chains."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction

from cases.services import cases_export_audit
from smf.imports.write import records_import
from smf.staff.audit import audit_record, audit_record_many
from smf.staff.chain import GENESIS, line_hash
from smf.staff.models import AuditLog
from tests.conftest import require_postgres
from tests.reports.import_support import scaled_folder

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Sokha-Chann"


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    """The message of a failed check (the command exits with status 1)."""
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", *args, stdout=StringIO())
    assert failure.value.returncode == 1
    return str(failure.value)


def as_superuser(sql: str, params: list) -> None:
    """What an administrator with full access to the database can do: on
    PostgreSQL, as a superuser with the append-only trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone()[0], "the tests must connect as a superuser"
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def chain() -> list[tuple[int, str, str]]:
    return list(AuditLog.objects.order_by("id").values_list("id", "prev_hash", "hash"))


def lines(n: int, **fields) -> list[AuditLog]:
    return [
        audit_record(user=None, action="test", case_code=f"TD-{i:04d}", **fields) for i in range(n)
    ]


# --- the chain is built on append -------------------------------------------------


@pytest.mark.django_db
def test_each_line_names_the_hash_of_the_line_before(director):
    audit_record(user=director, action="case_view", case_code="TD-2011-0001")
    audit_record_many(
        [AuditLog(user=director, action="case_export", case_code=f"TD-{i}") for i in range(3)]
    )
    audit_record(user=None, action="login_failed", details={"username": "x"})
    rows = chain()
    assert rows[0][1] == GENESIS
    for (_, _, before), (_, prev_hash, own) in zip(rows, rows[1:], strict=False):
        assert prev_hash == before
        assert len(own) == 64
    assert f"{len(rows)} lines checked" in verify()


@pytest.mark.django_db
def test_the_hash_covers_every_field_and_the_link():
    from datetime import UTC, datetime

    line = {
        "id": 7,
        "at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "user_id": 3,
        "action": "case_view",
        "case_code": "TD-2011-0001",
        "details": {"b": 1, "a": [1, "x"]},
        "prev_hash": GENESIS,
    }
    reference = line_hash(b"k", **line)
    assert line_hash(b"k", **{**line, "details": {"a": [1, "x"], "b": 1}}) == reference
    changes = {
        "id": 8,
        "at": datetime(2026, 1, 2, 3, 4, 5, 678902, tzinfo=UTC),
        "user_id": None,
        "action": "case_edit",
        "case_code": "TD-2011-0002",
        "details": {"b": 2, "a": [1, "x"]},
        "prev_hash": "1" * 64,
    }
    for field, value in changes.items():
        assert line_hash(b"k", **{**line, field: value}) != reference, field
    assert line_hash(b"other key", **line) != reference


@pytest.mark.django_db
def test_details_verify_as_the_database_gives_them_back():
    # jsonb turns 1e20 into an integer and -0.0 into 0.0; tuples and int keys
    # come back as lists and strings.
    audit_record(
        user=None,
        action="odd_values",
        details={
            "ratio": 0.25,
            "whole": 2.0,
            "big": 1e20,
            "zero": -0.0,
            "pair": (1, 2),
            7: "k",
            "nested": {"b": [1.5, None, True], "a": "ស្រី"},
        },
    )
    assert "Audit log intact" in verify()


@pytest.mark.django_db
def test_export_and_import_lines_are_chained(director):
    cases_export_audit(user=director, codes=["TD-1", "TD-2", "TD-3"], filters={"center": "TD"})
    records_import(files=scaled_folder(3), user=director)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"cases_export", "case_export", "case_imported", "records_imported"} <= actions
    summary = AuditLog.objects.get(action="cases_export")
    assert AuditLog.objects.filter(action="case_export", details__export=summary.pk).count() == 3
    assert "Audit log intact" in verify()


@pytest.mark.django_db
def test_no_line_is_written_without_its_link():
    with pytest.raises(PermissionError):
        AuditLog.objects.create(action="unchained")
    with pytest.raises(PermissionError):
        AuditLog.objects.bulk_create([AuditLog(action="unchained")])
    (entry,) = lines(1)
    entry.action = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    assert not AuditLog.objects.filter(action__in=["unchained", "changed"]).exists()


@pytest.mark.django_db
def test_two_lines_can_never_follow_the_same_line():
    first, second = lines(2)
    fork = AuditLog(
        id=second.pk + 100, action="fork", details={}, prev_hash=second.prev_hash, hash="f" * 64
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.bulk_create([fork])
    assert second.prev_hash == first.hash


# --- audit_verify names what was tampered with ------------------------------------


@pytest.mark.django_db
def test_a_row_changed_through_sql_is_named_without_its_content():
    entries = lines(5, details={"note": SECRET})
    target = entries[2]
    as_superuser(
        "UPDATE cases_auditlog SET case_code = %s WHERE id = %s", [f"XX-{SECRET}", target.pk]
    )
    message = broken()
    assert f"line {target.pk}:" in message
    assert "changed" in message
    assert SECRET not in message and "XX-" not in message


@pytest.mark.django_db
def test_a_row_changed_by_a_postgresql_superuser_is_named():
    require_postgres()
    entries = lines(4)
    target = entries[1]
    # Even the superuser must switch the trigger off to do it; the chain still tells.
    as_superuser(
        "UPDATE cases_auditlog SET details = '{\"forged\": 1}'::jsonb, at = at - interval '1 day'"
        " WHERE id = %s",
        [target.pk],
    )
    assert f"line {target.pk}:" in broken()


@pytest.mark.django_db
def test_a_deleted_middle_row_is_found():
    entries = lines(5)
    as_superuser("DELETE FROM cases_auditlog WHERE id = %s", [entries[2].pk])
    message = broken()
    assert f"line {entries[3].pk}:" in message
    assert f"removed or inserted after line {entries[1].pk}" in message


@pytest.mark.django_db
def test_a_line_inserted_behind_the_writer_is_found():
    entries = lines(3)
    last = entries[-1]
    as_superuser(
        "INSERT INTO cases_auditlog (id, at, action, case_code, details, prev_hash, hash)"
        " VALUES (%s, %s, 'forged', '', %s, %s, %s)",
        [last.pk + 1, last.at, "{}", last.hash, "a" * 64],
    )
    assert f"line {last.pk + 1}:" in broken()


@pytest.mark.django_db
def test_a_relinked_hash_without_the_key_is_found():
    # Whoever rewrites a line and fills its hash with a plain SHA-256 (no key)
    # cannot make the chain whole.
    entries = lines(3)
    as_superuser("UPDATE cases_auditlog SET hash = %s WHERE id = %s", ["b" * 64, entries[1].pk])
    assert f"line {entries[1].pk}:" in broken()


@pytest.mark.django_db
def test_a_checkpoint_catches_a_cut_off_tail():
    entries = lines(3)
    output = verify()
    checkpoint = output.rsplit("Checkpoint: ", 1)[1].strip()
    assert checkpoint == f"{entries[-1].pk}:{entries[-1].hash}"
    more = lines(2)
    assert "3 lines checked" in verify("--checkpoint", checkpoint)
    # The chain alone cannot see its last lines go; the checkpoint can.
    for entry in [*more, entries[-1]]:
        as_superuser("DELETE FROM cases_auditlog WHERE id = %s", [entry.pk])
    assert "Audit log intact" in verify()
    assert f"checkpoint line {entries[-1].pk} is missing" in broken("--checkpoint", checkpoint)


@pytest.mark.django_db
def test_verify_reads_in_batches(django_assert_max_num_queries):
    lines(7)
    total = AuditLog.objects.count()
    with django_assert_max_num_queries(total // 3 + 2):
        assert f"{total} lines checked" in verify("--batch-size", "3")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_exits_1_from_the_command_line():
    require_postgres()  # the subprocess needs a database it can reach
    entries = lines(3)
    as_superuser("UPDATE cases_auditlog SET action = 'x' WHERE id = %s", [entries[1].pk])
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"line {entries[1].pk}:" in result.stderr


# --- concurrency --------------------------------------------------------------------


def _in_threads(*targets) -> list[Exception]:
    errors: list[Exception] = []

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    require_postgres()
    before = AuditLog.objects.count()
    start = threading.Barrier(4)

    def writer(n):
        def write():
            start.wait(10)
            for i in range(12):
                if i % 4 == 0:
                    audit_record_many(
                        [AuditLog(action="bulk", details={"w": n, "i": i}) for _ in range(3)]
                    )
                else:
                    audit_record(user=None, action="one", details={"w": n, "i": i})

        return write

    assert _in_threads(*(writer(n) for n in range(4))) == []
    assert AuditLog.objects.count() == before + 4 * (3 * 3 + 9)
    assert "Audit log intact" in verify()


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_the_one_before_it_to_commit():
    require_postgres()
    first_written = threading.Event()
    results = {}

    def slow():
        with transaction.atomic():
            results["slow"] = audit_record(user=None, action="slow")
            first_written.set()
            # The other writer now waits on the chain's lock.
            threading.Event().wait(0.5)

    def fast():
        assert first_written.wait(10)
        results["fast"] = audit_record(user=None, action="fast")

    assert _in_threads(slow, fast) == []
    assert results["fast"].prev_hash == results["slow"].hash
    assert results["fast"].pk > results["slow"].pk
    assert "Audit log intact" in verify()
