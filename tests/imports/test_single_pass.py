"""The import checks and writes in one pass: rows already sent to the
database when an error turns up are rolled back, every error is still
listed, and a refusal from the database in the thread that sends the rows
reaches the user as a refused import."""

from __future__ import annotations

import pytest

from cases.models import Case
from smf.imports import write
from smf.imports.archive import ImportRejected
from smf.imports.write import records_import
from tests.reports.import_support import csv_bytes, row_counts, scaled_folder

pytestmark = pytest.mark.django_db


def test_an_error_after_rows_were_written_leaves_nothing_and_lists_every_error(monkeypatch):
    # Small COPY blocks and batches of 500: the first visits are in the
    # database (or, elsewhere, inserted) before the bad line is read.
    monkeypatch.setattr(write, "COPY_ROWS", 100)
    sent = []
    real_add = write._Appender.add
    monkeypatch.setattr(
        write._Appender, "add", lambda self, batch: (sent.append(len(batch)), real_add(self, batch))
    )
    folder = scaled_folder(1200)
    lines = folder["outreach_visits.csv"].decode().splitlines()
    lines[1101] = "V1,2011-13-01,3"  # line 1102 of the file: no month 13
    folder["outreach_visits.csv"] = ("\n".join(lines) + "\n").encode()
    folder["events.csv"] = csv_bytes("held_on,title,participants", "2011-05-01,E,-4")
    before = row_counts()

    with pytest.raises(ImportRejected) as refused:
        records_import(files=folder)

    assert sum(sent) >= 1000, "the rows before the error were written"
    assert refused.value.errors == [
        "outreach_visits.csv:1102: visited_on: '2011-13-01' is not a valid date",
        "events.csv:2: participants: -4 is negative",
    ]
    assert row_counts() == before


def test_a_refusal_by_the_database_while_rows_are_sent_is_a_refused_import(monkeypatch):
    # Another import creates case Q00003 between our check and our write: the
    # database refuses the second one (the code is unique).
    real = write._write_keyed

    def write_keyed(spec, *args, **kwargs):
        if spec.filename == "cases.csv":
            Case.objects.create(code="Q00003", intake_date="2011-01-01")
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(write, "_write_keyed", write_keyed)
    before = row_counts()

    with pytest.raises(ImportRejected) as refused:
        records_import(files=scaled_folder(20))

    (error,) = refused.value.errors
    assert error.startswith("the database refused the import: ")
    assert "Q00003" not in error.split(":", 1)[0]
    assert row_counts() == before
