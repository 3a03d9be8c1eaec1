"""Archives and cells that used to end in a traceback, or to put a name in the
stored errors: each is now a clear archive-level or file:line error."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from smf.imports.archive import ImportRejected, files_from_zip
from smf.imports.validate import records_validate
from tests.reports.import_support import csv_bytes


def _lying_zip(content: bytes, *, declared: int) -> bytes:
    """A deflated entry whose headers declare `declared` bytes unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("events.csv", content)
    data = bytearray(out.getvalue())
    # The local header's and the central directory's uncompressed size.
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_an_entry_whose_size_header_lies_is_refused_by_name_not_by_traceback():
    archive = _lying_zip(b"held_on,title\n2011-06-01,Talk\n" * 50, declared=10)
    with pytest.raises(ImportRejected) as refused:
        files_from_zip(archive)
    assert refused.value.errors == ["events.csv: damaged in the archive (it cannot be unpacked)"]


def test_an_archive_is_measured_by_what_it_unpacks_to(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10_000
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("events.csv", b"held_on,title\n" + b"2011-06-01,Talk\n" * 5_000)
    with pytest.raises(ImportRejected, match="too large once unpacked"):
        files_from_zip(out.getvalue())


def test_a_nul_character_in_a_text_cell_is_a_file_line_error():
    plan = records_validate(files={"events.csv": csv_bytes("held_on,title", "2011-06-01,Ta\x00lk")})
    assert plan.errors == [
        "events.csv:2: title: holds a NUL character (the file is damaged or not text)"
    ]


@pytest.mark.parametrize(
    "header, row, column",
    [
        ("held_on,title", "Sokha Chan,Talk", "held_on"),
        ("held_on,title,participants", "2011-06-01,Talk,Sokha Chan", "participants"),
    ],
)
def test_a_name_in_the_wrong_column_is_not_echoed(header, row, column):
    plan = records_validate(files={"events.csv": csv_bytes(header, row)})
    assert len(plan.errors) == 1
    assert plan.errors[0].startswith(f"events.csv:2: {column}: the value is not")
    assert "Sokha" not in plan.errors[0]


def test_a_date_typed_another_way_is_still_shown():
    plan = records_validate(files={"events.csv": csv_bytes("held_on,title", "02/03/2011,Talk")})
    assert plan.errors == [
        "events.csv:2: held_on: '02/03/2011' is not a date in the form YYYY-MM-DD"
    ]


@pytest.mark.parametrize("code", ["<b>X</b>/../a", "TD 2011 0001", "../TD-1", "-TD"])
def test_a_code_no_address_could_open_is_refused(code):
    plan = records_validate(
        files={"venues.csv": csv_bytes("code,name,kind,province", f"{code},Bar,club,Phnom Penh")}
    )
    assert plan.errors == ["venues.csv:2: code: not a code: letters, digits, '.', '-' and '_' only"]
