"""Journeys of the reintegration team in headless Chromium."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from smf.staff.roles import Role
from tests.factories import staff_member as staff_create
from reintegration import services
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(tom_dy):
    return staff_create(
        username="officer_e2e",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        centers=[tom_dy],
        email="officer@example.org",
    )


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2025-0007", given_name="Sokha", family_name="Chan")
    factories.stay(case, tom_dy, admitted_on=date(2024, 1, 5))
    return case


def test_officer_reintegrates_with_a_start_up_kit_records_and_reschedules_visits(
    live_server, page, log_in, officer, resident
):
    log_in(officer)
    page.goto(f"{live_server.url}/reintegration/cases/{resident.code}/")
    page.get_by_role("link", name="Plan her reintegration").click()
    page.select_option("#id_pathway", "own_business")
    page.select_option("#id_officer", str(officer.pk))
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Record her reintegration").click()
    left_on = timezone.localdate() - timedelta(days=1)
    page.fill("#id_left_on", left_on.isoformat())
    page.get_by_role("button", name="Save").click()
    assert page.locator("#reintegrated-on").inner_text() == left_on.isoformat()

    page.get_by_role("link", name="Add support").click()
    page.select_option("#id_kind", "startup_kit")
    page.fill("#id_given_on", left_on.isoformat())
    page.select_option("#id_currency", "KHR")
    page.fill("#id_amount", "2050000")
    page.fill("#id_riel_per_usd", "4100")
    page.fill("#id_details", "Sewing machine, fabric, scissors")
    page.get_by_role("button", name="Save").click()
    assert "US$ 500.00" in page.locator("#support").inner_text()
    assert page.locator('#visits tr[data-status="scheduled"]').count() == 8

    # Record the first visit as made.
    page.locator("#visits tbody tr").first.get_by_role("link", name="Record").click()
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.select_option("#id_visitor_role", "trainer")
    page.select_option("#id_outcome", "stable")
    for score in ("housing", "income", "health", "safety"):
        page.select_option(f"#id_{score}", "3")
    page.select_option("#id_still_operating", "yes")
    page.select_option("#id_income_band", "100_199")
    page.get_by_role("button", name="Save").click()
    assert page.locator('#visits tr[data-status="made"]').count() == 1
    assert "Stable" in page.locator('#visits tr[data-status="made"]').inner_text()

    # Reschedule the second one.
    second = page.locator('#visits tr[data-status="scheduled"]').first
    second.get_by_role("link", name="Reschedule").click()
    new_due = timezone.localdate() + timedelta(days=100)
    page.fill("#id_due_on", new_due.isoformat())
    page.get_by_role("button", name="Save").click()
    assert new_due.isoformat() in page.locator("#visits").inner_text()
    # Names never appear on the team's pages.
    assert "Sokha" not in page.content()


def test_officer_sees_an_overdue_visit_and_downloads_her_calendar(
    live_server, page, log_in, officer, resident
):
    services.followup_add(
        case=resident,
        due_on=timezone.localdate() - timedelta(days=10),
        assigned_to=officer,
        user=officer,
    )
    log_in(officer)
    page.goto(f"{live_server.url}/reintegration/")
    page.get_by_role("link", name="Overdue").click()
    assert page.locator("[data-count=overdue]").inner_text() == "1"
    row = page.locator("#agenda tbody tr[data-visit]")
    assert row.count() == 1 and resident.code in row.inner_text()

    page.get_by_role("link", name="My calendar feed").click()
    page.get_by_role("button", name="Create my feed").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the calendar file").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        calendar = Calendar.from_ical(handle.read())
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [f"Follow-up visit {resident.code}"]
