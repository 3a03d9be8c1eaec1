"""The director opens the records behind a 2011 figure on the demo and
downloads them; a social worker cannot open the page.

The demo (smf/core/demo.py) is seeded once for the module (demo_site), as on
the organisation's 2011 outcomes page: 227 reintegrated women visited.
"""

from __future__ import annotations

import csv
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from reports.selectors import figures_for_year
from smf.core.demo import DEFAULT_PASSWORD
from tests.e2e.conftest import demo_database, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
_django_db_helper = demo_database


def test_director_sees_and_downloads_the_survivors_behind_a_figure(demo_site, page):
    survivors = figures_for_year(2011)["followup.survivors"]
    assert survivors == 227  # the demo follows the outcomes page
    # The director needs her second factor: enrolled here as a director would.
    sign_in(
        page,
        demo_site.url,
        "director",
        DEFAULT_PASSWORD,
        user=User.objects.get(username="director"),
    )
    page.goto(f"{demo_site.url}/reports/?year=2011")
    page.get_by_role("link", name="Reintegrated survivors visited").click()
    expect(page.locator("#figure-visible")).to_have_text("227")
    codes = page.locator("#figure-records tbody tr td:first-child")
    expect(codes).to_have_count(50)  # the first page of the visits behind the figure
    assert all(re.fullmatch(r"[A-Z]+-\d+-\d+|[A-Za-z0-9._-]+", c) for c in codes.all_inner_texts())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the records (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len({row["case_code"] for row in rows}) == 227
    assert set(rows[0]) == {"case_code", "visited_on", "due_on", "visitor_role"}


def test_a_social_worker_cannot_open_the_records_of_a_figure(demo_site, demo_log_in, page):
    demo_log_in("sw.tomdy")
    response = page.goto(f"{demo_site.url}/reports/figures/2011/followup.survivors/")
    assert response.status == 404
