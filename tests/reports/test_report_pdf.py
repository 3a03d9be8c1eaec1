"""The PDF: every figure of the year in its text, Khmer script in the Khmer
edition, small numbers hidden in the public edition, and the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import call_command

from reports.pdf import format_value
from reports.selectors import FIGURE_KEYS, figures_for_year
from reports.services import impact_report_render
from tests import factories

YEAR = 2011


def pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's text, laid out (pdftotext), or pdfminer where poppler is absent."""
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def build_year(
    *, residents=(("TD", "Tom Dy", 7), ("SR", "Siem Reap", 6), ("KC", "Kampong Cham", 5))
):
    """A small year of records with distinctive numbers, and a bit of the year before."""
    for code, name, count in residents:
        center = factories.shelter(code, name=name)
        for i in range(count):
            case = factories.case()
            left = date(YEAR, 9, 1) if i % 3 == 0 else None
            factories.stay(case, center, admitted_on=date(YEAR, 2, 1), left_on=left)
            factories.education(case, started_on=date(YEAR, 3, 1))
            if i % 2 == 0:
                factories.training(
                    case,
                    trade="sewing" if i % 4 else "weaving",
                    completed_on=date(YEAR, 8, 1),
                    certified_on=date(YEAR, 8, 15) if i % 4 == 0 else None,
                )
            if left:
                factories.support(case, given_on=date(YEAR, 9, 2), value_usd="735.50")
                factories.followup(case, visited_on=date(YEAR, 11, 1), visitor_role="medical")
                factories.internship(case, started_on=date(YEAR, 7, 1))
    venue = factories.venue()
    factories.outreach_visit(venue, contacts=12345, clients_educated=987, condoms=80654, soaps=9821)
    factories.outreach_visit(factories.venue(), visited_on=date(YEAR - 1, 5, 1), contacts=11111)
    for i in range(17):
        factories.clinic_visit(f"C-{i % 13}", std_test=i % 2 == 0)
    for i in range(23):
        factories.meeting(agreement_reached=i < 2)
    factories.event(participants=4321)
    factories.legal_case(outcome="conviction", closed_on=date(YEAR, 6, 1))
    factories.disbursement(amount_usd="924123.45")
    factories.disbursement(region="us", amount_usd="1000.00")
    factories.disbursement(given_on=date(YEAR - 1, 3, 1), amount_usd="837000.00")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_english_pdf_contains_every_figure_of_the_year(tmp_path):
    build_year()
    content, snapshot = impact_report_render(year=YEAR, language="en")
    text = pdf_text(content, tmp_path)
    figures = figures_for_year(YEAR)
    assert snapshot["figures"] == figures
    for key in FIGURE_KEYS:
        assert format_value(key, figures[key], "en") in text, key
    # Distinctive ones, so a missing figure cannot hide behind a page number.
    for printed in ("12,345", "80,654", "9,821", "987", "4,321", "$924,123.45", "$735.50"):
        assert printed in text
    assert "Outcomes and Impact" in text and "Somaly Mam Foundation" in text
    assert "residents received comprehensive, holistic care at the three recovery" in text
    for heading in (
        "Outreach and Advocacy",
        "Clinic",
        "Recovery and Training",
        "Reintegration and Follow-up",
        "Justice",
        "Financial Support",
    ):
        assert heading in text
    assert re.search(r"page 2 of \d+", text)
    assert "version 1" in text


@pytest.mark.django_db
def test_the_number_of_centers_comes_from_the_records(tmp_path):
    build_year(residents=(("TD", "Tom Dy", 6), ("SR", "Siem Reap", 5)))
    text = pdf_text(impact_report_render(year=YEAR)[0], tmp_path)
    assert "at the two recovery and vocational skills centers" in " ".join(text.split())


@pytest.mark.django_db
def test_pdf_is_vector_a4_with_embedded_fonts(tmp_path):
    build_year()
    content, _ = impact_report_render(year=YEAR)
    assert content.startswith(b"%PDF")
    assert b"/Image" not in content  # charts are vector shapes, no raster
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert "595.276 x 841.89" in info or "595.28 x 841.89" in info  # A4 in points
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        lines = fonts.splitlines()[2:]
        assert lines and all(" yes " in line for line in lines)  # every font embedded


@pytest.mark.django_db
def test_khmer_pdf_is_in_khmer_script(tmp_path):
    build_year()
    content, _ = impact_report_render(year=YEAR, language="km")
    text = pdf_text(content, tmp_path)
    khmer = [ch for ch in text if "\u1780" <= ch <= "\u17ff"]
    assert len(khmer) > 1000
    assert "១២,៣៤៥" in text or "១២" in text  # Khmer digits
    # No English sentence of the highlights slipped through untranslated.
    assert "holistic care" not in text and "Highlights" not in text
    assert "Recovery and Training" not in text


@pytest.mark.django_db
def test_public_edition_hides_a_count_of_three_and_shows_a_count_of_five(tmp_path):
    build_year(
        residents=(
            ("TD", "Tom Dy", 3),
            ("SR", "Siem Reap", 2),
            ("KC", "Kampong Cham", 5),
            ("BB", "Battambang", 12),
        )
    )
    public = pdf_text(impact_report_render(year=YEAR, public=True)[0], tmp_path)
    lines = {
        name: next(line for line in public.splitlines() if line.strip().startswith(name))
        for name in ("Tom Dy", "Siem Reap", "Kampong Cham", "Battambang")
    }
    assert "fewer than 5" in lines["Tom Dy"] and not re.search(r"\b3\b", lines["Tom Dy"])
    assert "fewer than 5" in lines["Siem Reap"]
    assert re.search(r"\b5\b", lines["Kampong Cham"]) and "fewer" not in lines["Kampong Cham"]
    assert re.search(r"\b12\b", lines["Battambang"])
    assert "To protect the people behind these numbers" in " ".join(public.split())
    # The organisation-wide total stays.
    assert "22" in public

    internal = pdf_text(impact_report_render(year=YEAR, public=False)[0], tmp_path)
    tom_dy = next(line for line in internal.splitlines() if line.strip().startswith("Tom Dy"))
    assert re.search(r"\b3\b", tom_dy) and "fewer" not in internal


@pytest.mark.django_db
def test_command_writes_pdf_json_and_csv(tmp_path):
    build_year()
    out = tmp_path / "r.pdf"
    call_command(
        "impact_report",
        str(YEAR),
        "--format",
        "pdf",
        "--language",
        "km",
        "--public",
        "--output",
        str(out),
    )
    assert out.read_bytes().startswith(b"%PDF")
    as_json = tmp_path / "f.json"
    call_command("impact_report", str(YEAR), "--format", "json", "--output", str(as_json))
    assert json.loads(as_json.read_text())["figures"]["outreach.contacts"] == 12345
    as_csv = tmp_path / "f.csv"
    call_command("impact_report", str(YEAR), "--format", "csv", "--output", str(as_csv))
    assert "outreach.contacts,12345,11111,1234" in as_csv.read_text()


def test_command_refuses_an_implausible_year():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("impact_report", "20111", "--format", "pdf")
