"""Each figure is declared once (smf.core.figures), and the records the
registry lists for it make the same value as the report's fast path."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports import pdf
from reports.selectors import FIGURE_KEYS, FIGURES, figure_from_rows, figure_rows, figures_for_year
from smf.core.figures import PERCENT, Share
from smf.staff.models import AuditLog
from tests.reports.figure_data import random_organisation

pytestmark = pytest.mark.django_db

YEARS = (2009, 2010, 2011, 2012)


def test_every_figure_is_declared_once_with_a_section_and_a_label():
    assert len(FIGURES) == len(FIGURE_KEYS) == 28
    assert {k for section in pdf.SECTIONS for k in section.keys} == set(FIGURES)
    for key, figure in FIGURES.items():
        assert figure.key == key and str(figure.label)
        assert figure.columns, key
        if figure.kind == PERCENT:
            assert isinstance(figure.measure, Share) and figure.base in FIGURES, key


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_registry_and_the_fast_path_agree_on_random_data(seed):
    random_organisation(seed)
    compared = nonzero = 0
    for year in YEARS:
        fast = figures_for_year(year)
        for key, figure in FIGURES.items():
            rows = list(figure_rows(key, year))
            assert figure.value(year) == fast[key], (year, key)
            assert figure_from_rows(key, rows)["value"] == fast[key], (year, key)
            compared += 1
            nonzero += bool(fast[key])
    assert compared == len(YEARS) * len(FIGURES)
    # Random data that leaves most figures at zero would prove little.
    assert nonzero > compared * 0.8


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_figure_records_recomputes_each_figure_as_impact_report_prints_it(capsys):
    random_organisation(7)
    checked = 0
    for year in (2010, 2011):
        published = json.loads(run("impact_report", str(year), "--format", "json"))["figures"]
        for key in FIGURE_KEYS:
            data = json.loads(run("figure_records", str(year), key, "--format", "json"))
            assert (data["year"], data["key"]) == (year, key)
            assert data["value"] == published[key] or float(data["value"]) == published[key], key
            if FIGURES[key].kind in ("percent", "average"):
                assert {"numerator", "denominator"} <= set(data), key
            checked += 1
    assert checked == 2 * len(FIGURE_KEYS)


def test_figure_records_never_lists_a_name_and_is_audited(capsys):
    random_organisation(8)
    text = run("figure_records", "2011", "shelter.residents", "--format", "json")
    data = json.loads(text)
    assert data["rows"] and all(set(row) >= {"case_code", "center_code"} for row in data["rows"])
    assert "Srey" not in text and "Mom" not in text
    assert AuditLog.objects.filter(action="figure_records_view").count() == 1
    call_command("figure_records", "2011", "shelter.residents", "--format", "csv")
    csv_text = capsys.readouterr().out
    assert csv_text.splitlines()[0] == "case_code,center_code,admitted_on,left_on"


def test_figure_records_refuses_an_unknown_key_and_an_implausible_year():
    with pytest.raises(CommandError, match="not a figure key"):
        run("figure_records", "2011", "followup.everyone")
    with pytest.raises(CommandError, match="plausible"):
        run("figure_records", "9999", "followup.visits")
