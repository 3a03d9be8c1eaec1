import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.selectors import FIGURE_KEYS
from tests import factories as f

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("impact_report", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_json_has_the_year_and_every_key_with_money_in_cents():
    f.disbursement(given_on=date(2011, 3, 1), amount_usd="924000.5")
    f.outreach_visit(visited_on=date(2011, 3, 1), condoms=806546)
    text = run("2011", "--format", "json")
    data = json.loads(text)
    assert data["year"] == 2011
    assert list(data["figures"]) == list(FIGURE_KEYS)
    assert data["figures"]["supplies.condoms"] == 806546
    assert '"funding.directed_usd": 924000.50' in text


def test_json_written_to_a_file(tmp_path):
    target = tmp_path / "figures.json"
    call_command("impact_report", "2012", "--output", str(target), stderr=StringIO())
    assert json.loads(target.read_text())["year"] == 2012


def test_implausible_year_is_refused_with_a_message():
    with pytest.raises(CommandError, match="not a plausible report year"):
        run("12")
