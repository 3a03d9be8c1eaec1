"""The records behind a figure on the Reports page: for the report's readers
only, scoped, sortable, paginated, downloadable, audited, codes never names."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from reports import views
from reports.models import ImpactReport
from reports.selectors import FIGURE_KEYS, figure_rows, figures_for_year
from smf.staff.models import AuditLog
from tests import factories
from tests.reports.figure_data import random_organisation

pytestmark = pytest.mark.django_db
YEAR = 2011


def url(key: str, year: int = YEAR, **query) -> str:
    address = reverse("reports:figure_records", args=[year, key])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_every_figure_of_the_year_opens_and_counts_what_was_published(login, director):
    random_organisation(11)
    client = login(director)
    published = figures_for_year(YEAR)
    opened = 0
    for key in FIGURE_KEYS:
        response = client.get(url(key))
        assert response.status_code == 200, key
        # A director sees every record: today's count is the published one.
        assert response.context["visible_value"] == published[key], key
        assert response.context["published_report"] is None, key
        assert response.context["page"].paginator.count == figure_rows(key, YEAR).count(), key
        opened += 1
    assert opened == len(FIGURE_KEYS)
    assert published["followup.survivors"] > 0
    assert AuditLog.objects.filter(action="figure_records_view").count() == opened


def test_the_page_lists_case_codes_not_names_and_links_from_the_reports_page(login, director):
    random_organisation(12)
    client = login(director)
    page = client.get(reverse("reports:index") + f"?year={YEAR}").content.decode()
    assert url("followup.survivors") in page
    text = client.get(url("followup.survivors")).content.decode()
    assert "RND12-" in text
    assert "Srey" not in text and "Mom" not in text


def test_the_records_sort_by_any_column_and_ignore_an_unknown_one(login, director):
    random_organisation(13)
    client = login(director)
    codes = lambda response: [row[0] for row in response.context["rows"]]  # noqa: E731
    ascending = codes(client.get(url("followup.visits", sort="case_code")))
    descending = codes(client.get(url("followup.visits", sort="-case_code")))
    assert len(ascending) > 3
    assert (
        ascending == sorted(ascending)
        and descending == sorted(ascending, reverse=True)[: len(descending)]
    )
    assert client.get(url("followup.visits", sort="given_name")).status_code == 200


def test_the_records_are_paginated(login, director, monkeypatch):
    monkeypatch.setattr(views, "RECORDS_PAGE_SIZE", 5)
    random_organisation(14)
    client = login(director)
    first = client.get(url("outreach.contacts"))
    total = first.context["page"].paginator.count
    assert total > 10 and len(first.context["rows"]) == 5
    last = client.get(url("outreach.contacts", page=first.context["page"].paginator.num_pages))
    assert len(last.context["rows"]) == total - 5 * (last.context["page"].number - 1)


def test_the_records_download_as_csv(login, director):
    random_organisation(15)
    client = login(director)
    response = client.get(url("reintegration.startup_kit_avg_usd", format="csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    assert response.streaming  # one row in memory at a time, whatever the volume
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["case_code", "kind", "given_on", "value_usd"]
    assert len(rows) - 1 == figure_rows("reintegration.startup_kit_avg_usd", YEAR).count() > 0
    assert AuditLog.objects.filter(action="figure_records_view", details__via="csv").exists()


def test_a_choice_shows_its_label_on_the_page_and_its_code_in_the_csv(login, director):
    person = factories.case("TD-11-0001")
    factories.followup(person, visited_on=date(2011, 5, 1), visitor_role="medical")
    client = login(director)
    page = client.get(url("followup.visits"))
    (row,) = page.context["rows"]
    assert "Medical professional" in [str(cell) for cell in row]
    assert "Medical professional" in page.content.decode()
    client.cookies["django_language"] = "km"
    assert "medical" not in [str(c) for c in client.get(url("followup.visits")).context["rows"][0]]
    text = b"".join(client.get(url("followup.visits", format="csv")).streaming_content).decode()
    assert ",medical" in text and "Medical professional" not in text


@pytest.mark.parametrize(
    "persona", ["social_worker_tom_dy", "reintegration_officer", "outreach_worker", "no_role_user"]
)
def test_other_roles_get_404(request, persona, login):
    client = login(request.getfixturevalue(persona))
    assert client.get(url("followup.survivors")).status_code == 404
    assert client.get(url("followup.survivors", format="csv")).status_code == 404


def test_an_unknown_figure_or_an_implausible_year_is_a_404(login, director):
    client = login(director)
    assert client.get(url("followup.everyone")).status_code == 404
    assert client.get(url("followup.visits", year=9999)).status_code == 404


def test_the_records_are_scoped_to_what_the_reader_may_see(social_worker_tom_dy, tom_dy):
    random_organisation(16)
    own = factories.case("OWN-1", assigned_social_worker=social_worker_tom_dy)
    factories.stay(own, tom_dy, admitted_on=date(YEAR, 3, 1))
    rows = list(figure_rows("shelter.residents", YEAR, social_worker_tom_dy))
    every = list(figure_rows("shelter.residents", YEAR))
    assert [r["case_code"] for r in rows] == ["OWN-1"]
    assert len(every) > len(rows)


def test_the_published_figure_is_the_latest_internal_version_of_the_year(login, director):
    random_organisation(17)
    for version, value in ((1, 5), (2, 9)):
        ImpactReport.objects.create(
            year=YEAR,
            version=version,
            status="done",
            figures={"figures": {"followup.visits": value}, "previous": {}, "breakdowns": {}},
        )
    response = login(director).get(url("followup.visits"))
    assert response.context["published_report"].version == 2
    assert response.context["published"] == "9"


def test_the_records_of_a_share_say_which_rows_it_counts(login, director):
    random_organisation(18)
    response = login(director).get(url("followup.on_time_pct", format="csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {row["counted"] for row in rows} <= {"True", "False"}
