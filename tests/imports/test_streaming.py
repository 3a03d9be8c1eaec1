"""The import streams: memory holds a batch, never a file, and archives are
refused past explicit limits by what they really unpack to."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from outreach.models import OutreachVisit, Venue
from smf.imports.archive import ImportRejected, source_from_zip
from smf.imports.validate import records_validate
from smf.imports.write import records_import

pytestmark = pytest.mark.django_db

HEADER = b"venue_code,visited_on,contacts,clients_educated,condoms,soaps\n"
LINE = b"V1,2011-05-01,3,1,10,2\n"


def visits_zip(rows: int, *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as bundle:
        with bundle.open("outreach_visits.csv", "w", force_zip64=True) as entry:
            entry.write(HEADER)
            for _ in range(rows // 1000):
                entry.write(LINE * 1000)
    return buffer.getvalue()


def peak_while(work) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checking_and_importing_many_rows_holds_a_batch_not_the_file(settings):
    settings.IMPORT_MAX_RATIO = 10_000  # these rows repeat: they pack very well
    Venue.objects.create(code="V1", name="Venue", kind=Venue.Kind.values[0], province="Phnom Penh")
    small, large = visits_zip(1_000), visits_zip(30_000)

    def check(data):
        with source_from_zip(data) as source:
            return records_validate(files=source)

    def run(data):
        with source_from_zip(data) as source:
            return records_import(files=source)

    plan, small_peak = peak_while(lambda: check(small))
    assert plan.rows == 1_000 and not plan.errors
    plan, large_peak = peak_while(lambda: check(large))
    assert plan.rows == 30_000 and not plan.errors
    # 30 times the rows, about the same memory: the rows are not kept.
    assert large_peak < small_peak + 2_000_000, (small_peak, large_peak)

    result, import_peak = peak_while(lambda: run(large))
    assert result.rows == 30_000 and OutreachVisit.objects.count() == 30_000
    assert import_peak < 15_000_000, (
        import_peak
    )  # held as rows, these 30,000 would take about 20 MB


def test_an_archive_that_unpacks_to_far_more_than_it_packs_is_refused():
    bomb = visits_zip(1_000_000, level=9)  # 23 MB of rows in a few dozen kilobytes
    with pytest.raises(ImportRejected) as refused:
        source_from_zip(bomb)
    assert refused.value.errors == [
        "outreach_visits.csv: unpacks to more than 200 times its packed size "
        "(a damaged or malicious archive)"
    ]


def test_an_archive_of_too_many_entries_is_refused(settings):
    settings.IMPORT_MAX_ENTRIES = 5
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for i in range(6):
            bundle.writestr(f"x{i}.csv", "a\n")
    with pytest.raises(ImportRejected, match="holds 6 entries; at most 5"):
        source_from_zip(buffer.getvalue())


def test_a_line_longer_than_any_column_is_a_file_line_error(settings):
    plan = records_validate(
        files={"events.csv": b"held_on,title\n2011-06-01,Talk\n2011-06-02," + b"x" * 200_000}
    )
    assert plan.errors == ["events.csv:3: -: a line longer than 100,000 bytes"]


def test_lines_ended_by_a_lone_carriage_return_are_read():
    plan = records_validate(
        files={"events.csv": b"held_on,title\r2011-06-01,Talk\r2011-06-02,Walk\r"}
    )
    assert not plan.errors and plan.rows == 2


def test_a_non_utf8_line_is_named_by_its_line():
    plan = records_validate(
        files={"events.csv": b"held_on,title\n2011-06-01,Talk\n2011-06-02,Caf\xe9\n"}
    )
    assert plan.errors == ["events.csv:3: -: not UTF-8 text (save the file as CSV UTF-8)"]
