"""`manage.py import_records FOLDER [--dry-run]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from tests.reports.import_support import csv_bytes, organisation_folder, row_counts, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    for name, data in organisation_folder().items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_records", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_a_folder_and_prints_a_summary_per_file(folder):
    out, _err = run(str(folder))

    assert "cases.csv: 5 created, 0 updated, 0 appended" in out
    assert "outreach_visits.csv: 0 created, 0 updated, 3 appended" in out
    assert "Imported 43 row(s)." in out
    assert Case.objects.count() == 5


def test_command_dry_run_writes_nothing(folder):
    before = row_counts()

    out, _err = run(str(folder), "--dry-run")

    assert "stays.csv: 5 created, 0 updated, 0 appended" in out
    assert "dry run: nothing was written" in out
    assert row_counts() == before


def test_command_prints_every_error_to_stderr_and_fails(folder):
    (folder / "events.csv").write_bytes(
        csv_bytes("held_on,title,participants", "2011-01-01,Talk,-1", "2011-02-30,Talk,1")
    )
    before = row_counts()

    with pytest.raises(CommandError, match="2 error"):
        run(str(folder))

    # call_command raises before returning the streams: run it again for stderr.
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", str(folder), stderr=err, stdout=StringIO())
    assert err.getvalue().splitlines() == [
        "events.csv:2: participants: -1 is negative",
        "events.csv:3: held_on: '2011-02-30' is not a valid date",
    ]
    assert row_counts() == before


def test_command_exit_code_is_non_zero_on_errors(folder, capsys):
    """Through the command-line entry point, as an administrator runs it."""
    from django.core.management import execute_from_command_line

    (folder / "notes.txt").write_text("hello")

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_records", str(folder), "--dry-run"])

    assert exited.value.code == 1
    assert "notes.txt: unknown file name" in capsys.readouterr().err


def test_command_accepts_a_zip(tmp_path):
    archive = tmp_path / "export.zip"
    archive.write_bytes(zip_bytes(organisation_folder(), folder="export/"))

    out, _err = run(str(archive))

    assert "Imported 43 row(s)." in out
