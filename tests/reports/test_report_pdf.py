"""The PDF: every figure of the year in its text, Khmer script in the Khmer
edition, small numbers hidden in the public edition, and the command line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from reports.pdf import format_value, report_context
from reports.selectors import FIGURE_KEYS, MONEY_KEYS, PERCENT_KEYS, figures_for_year
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


# --- headline figures in the public edition


def snapshot_of(changes: dict, previous_changes: dict | None = None, breakdowns=None) -> dict:
    """A frozen snapshot where every figure is large, but for the ones named."""

    def year(overrides):
        figures = {key: 40 for key in FIGURE_KEYS}
        figures |= {key: Decimal("700.00") for key in MONEY_KEYS}
        figures |= {key: 80 for key in PERCENT_KEYS}
        return figures | overrides

    return {
        "figures": year(changes),
        "previous": year(previous_changes or {}),
        "breakdowns": breakdowns or {},
    }


def context_of(snapshot: dict, *, year=YEAR, public=True, language="en") -> dict:
    from django.utils import translation

    from reports.translations import ensure_compiled

    ensure_compiled()
    with translation.override(language):
        return report_context(
            year=year,
            language=language,
            public=public,
            version=1,
            generated_on=date(year + 1, 1, 15),
            snapshot=snapshot,
        )


def figure_rows(context: dict) -> dict:
    return {row["key"]: row for section in context["sections"] for row in section["rows"]}


SMALL_YEAR = {
    "shelter.residents": 3,  # two years of people, the first one small
    "shelter.education_pct": 100,  # of three residents
    "legal.convictions": 0,
    "supplies.soaps": 2,  # not people
}
SMALL_BEFORE = {"shelter.residents": 12, "shelter.education_pct": 75, "clinic.clients": 2}


def test_public_edition_hides_a_small_headline_count_its_previous_year_and_change():
    rows = figure_rows(context_of(snapshot_of(SMALL_YEAR, SMALL_BEFORE)))
    residents = rows["shelter.residents"]
    assert (residents["value"], residents["previous"], residents["change"]) == (
        "fewer than 5",
        "12",
        "hidden",
    )
    assert residents["hidden"] == {"value": True, "previous": False, "change": True}
    # The bars would give the hidden year away by their lengths.
    assert 'width="0.00" height="4.5"' in residents["bar"]
    clients = rows["clinic.clients"]
    assert (clients["value"], clients["previous"], clients["change"]) == (
        "40",
        "fewer than 5",
        "hidden",
    )
    education = rows["shelter.education_pct"]
    assert (education["value"], education["previous"], education["change"]) == (
        "hidden",
        "75%",
        "hidden",
    )
    assert rows["legal.convictions"]["value"] == "fewer than 5"  # zero, as in the tables
    assert (
        rows["supplies.soaps"]["value"] == "2" and rows["supplies.soaps"]["change"] == "−38 (−95%)"
    )
    assert rows["outreach.contacts"]["change"] == "0"


def test_internal_edition_shows_the_same_small_figures():
    rows = figure_rows(context_of(snapshot_of(SMALL_YEAR, SMALL_BEFORE), public=False))
    residents = rows["shelter.residents"]
    assert (residents["value"], residents["previous"], residents["change"]) == (
        "3",
        "12",
        "−9 (−75%)",
    )
    assert rows["clinic.clients"]["previous"] == "2"
    assert rows["shelter.education_pct"]["value"] == "100%"
    assert rows["legal.convictions"]["value"] == "0"
    assert not any(any(row["hidden"].values()) for row in rows.values())


def test_public_highlights_say_fewer_than_five_and_leave_out_a_share_of_few():
    context = context_of(snapshot_of(SMALL_YEAR, SMALL_BEFORE))
    text = " ".join(context["highlights"])
    assert "Fewer than 5 residents received comprehensive, holistic care" in text
    assert "Fewer than 5 court cases of trafficking and abuse ended in conviction." in text
    assert "received basic education" not in text
    internal = " ".join(
        context_of(snapshot_of(SMALL_YEAR, SMALL_BEFORE), public=False)["highlights"]
    )
    assert "3 residents received" in internal and "100% of shelter residents" in internal


def test_public_khmer_edition_uses_the_translated_fewer_than():
    from django.utils import translation

    rows = figure_rows(context_of(snapshot_of(SMALL_YEAR, SMALL_BEFORE), language="km"))
    with translation.override("km"):
        fewer = translation.gettext("fewer than %(n)s") % {"n": "៥"}
        hidden = translation.gettext("hidden")
    assert re.search("[\u1780-\u17ff]", fewer) and re.search("[\u1780-\u17ff]", hidden)
    residents = rows["shelter.residents"]
    assert (residents["value"], residents["previous"], residents["change"]) == (fewer, "១២", hidden)


def test_public_edition_hides_a_small_total_of_a_breakdown_table():
    breakdowns = {
        "residents_by_center": [{"key": "TD", "label": "Tom Dy", "residents": 3}],
        "support_by_kind": [
            {"key": "startup_kit", "label": "startup_kit", "survivors": 2, "value_usd": 1400}
        ],
    }
    snapshot = snapshot_of({"shelter.residents": 3}, breakdowns=breakdowns)

    def tables(context):
        return {t["name"]: t for s in context["sections"] for t in s["tables"]}

    public = tables(context_of(snapshot))
    assert public["residents_by_center"]["totals"][0]["text"] == "fewer than 5"
    assert [t["text"] for t in public["support_by_kind"]["totals"]] == ["fewer than 5", "hidden"]
    internal = tables(context_of(snapshot, public=False))
    assert internal["residents_by_center"]["totals"][0]["text"] == "3"
    assert [t["text"] for t in internal["support_by_kind"]["totals"]] == ["2", "$1,400.00"]


def printed_number(text: str):
    """The number a reader takes from a cell ("1,234", "+8 (+200%)", "−3"), or None."""
    match = re.match(r"([+\u2212]?)([\d,]+)", text)
    if not match:
        return None
    value = int(match.group(2).replace(",", ""))
    return -value if match.group(1) == "\u2212" else value


def test_two_consecutive_public_editions_never_let_a_hidden_count_be_subtracted():
    # 2011's residents are few; 2012's edition prints 2011 as its previous year.
    years = {
        2010: {"shelter.residents": 12, "clinic.clients": 30, "training.certified": 4},
        2011: {"shelter.residents": 3, "clinic.clients": 2, "training.certified": 9},
        2012: {"shelter.residents": 20, "clinic.clients": 41, "training.certified": 6},
    }
    editions = {
        y: figure_rows(context_of(snapshot_of(years[y], years[y - 1]), year=y))
        for y in (2011, 2012)
    }
    known, ties = {}, []
    for y, rows in editions.items():
        for key in years[y]:
            row = rows[key]
            for year, text in ((y, row["value"]), (y - 1, row["previous"])):
                if printed_number(text) is not None:
                    known[key, year] = printed_number(text)
            if printed_number(row["change"]) is not None:
                ties.append(((key, y), (key, y - 1), printed_number(row["change"])))
    for _round in range(3):
        for now, before, change in ties:
            if now in known:
                known.setdefault(before, known[now] - change)
            if before in known:
                known.setdefault(now, known[before] + change)
    hidden = {(k, y) for y, figures in years.items() for k, v in figures.items() if v < 5}
    assert hidden == {
        ("training.certified", 2010),
        ("shelter.residents", 2011),
        ("clinic.clients", 2011),
    }
    assert hidden.isdisjoint(known), sorted(hidden & set(known))
    # What is printed is right, and everything not hidden is printed.
    assert known == {
        (k, y): v
        for y, figures in years.items()
        for k, v in figures.items()
        if (k, y) not in hidden
    }


@pytest.mark.django_db
def test_public_pdf_hides_a_headline_count_below_the_threshold(tmp_path):
    build_year()  # one conviction in 2011, none in 2010

    def convictions_line(text):
        return next(
            " ".join(line.split())
            for line in text.splitlines()
            if line.strip().startswith("Court cases ended in conviction")
        )

    public = pdf_text(impact_report_render(year=YEAR, public=True)[0], tmp_path)
    line = convictions_line(public)
    assert line.count("fewer than 5") == 2 and "hidden" in line, line
    assert not re.search(r"\d", line.replace("fewer than 5", "")), line
    text = " ".join(public.split())
    assert "Fewer than 5 court cases of trafficking and abuse ended in conviction." in text
    assert "in the figures of either year as in the breakdown tables" in text

    internal = pdf_text(impact_report_render(year=YEAR, public=False)[0], tmp_path)
    assert convictions_line(internal) == "Court cases ended in conviction 1 0 +1"
