"""Journeys of the reintegration team in headless Chromium."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from reintegration import services
from reintegration.models import ReintegrationPlan, TeamCenter
from smf.staff.models import Team
from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(tom_dy):
    """An officer of the reintegration team that serves Tom Dy (TeamCenter):
    an officer works no center of her own, she sees the ones her team serves."""
    team = Team.objects.create(
        code="reintegration-e2e", name="Reintegration", kind=Team.Kind.REINTEGRATION
    )
    TeamCenter.objects.create(team=team, center=tom_dy)
    return staff_create(
        username="officer_e2e",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[team],
        email="officer@example.org",
    )


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2025-0007", given_name="Sokha", family_name="Chan")
    factories.stay(case, tom_dy, admitted_on=date(2024, 1, 5))
    return case


def save(page) -> None:
    """Submit the form and wait for the page the server answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()


def test_officer_reintegrates_with_a_start_up_kit_records_and_reschedules_visits(
    live_server, page, log_in, officer, resident
):
    log_in(officer)
    page.goto(f"{live_server.url}/reintegration/cases/{resident.code}/")
    page.get_by_role("link", name="Plan her reintegration").click()
    page.select_option("#id_pathway", "own_business")
    page.select_option("#id_officer", str(officer.pk))
    save(page)

    page.get_by_role("link", name="Record her reintegration").click()
    left_on = timezone.localdate() - timedelta(days=1)
    page.fill("#id_left_on", left_on.isoformat())
    save(page)
    expect(page.locator("#reintegrated-on")).to_have_text(left_on.isoformat())

    page.get_by_role("link", name="Add support").click()
    page.select_option("#id_kind", "startup_kit")
    page.fill("#id_given_on", left_on.isoformat())
    page.select_option("#id_currency", "KHR")
    page.fill("#id_amount", "2050000")
    page.fill("#id_riel_per_usd", "4100")
    page.fill("#id_details", "Sewing machine, fabric, scissors")
    save(page)
    expect(page.locator("#support")).to_contain_text("US$ 500.00")
    expect(page.locator('#visits tr[data-status="scheduled"]')).to_have_count(8)

    # Record the first visit as made.
    page.locator("#visits tbody tr").first.get_by_role("link", name="Record").click()
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.select_option("#id_visitor_role", "trainer")
    page.select_option("#id_outcome", "stable")
    for score in ("housing", "income", "health", "safety"):
        page.select_option(f"#id_{score}", "3")
    page.select_option("#id_still_operating", "yes")
    page.select_option("#id_income_band", "100_199")
    save(page)
    expect(page.locator('#visits tr[data-status="made"]')).to_have_count(1)
    expect(page.locator('#visits tr[data-status="made"]')).to_contain_text("Stable")

    # Reschedule the second one.
    second = page.locator('#visits tr[data-status="scheduled"]').first
    second.get_by_role("link", name="Reschedule").click()
    new_due = timezone.localdate() + timedelta(days=100)
    page.fill("#id_due_on", new_due.isoformat())
    save(page)
    expect(page.locator("#visits")).to_contain_text(new_due.isoformat())
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


def test_an_officer_whose_team_does_not_serve_her_center_is_not_offered_her_exit(
    live_server, page, log_in, resident, siem_reap
):
    """Named on the plan, she follows the case; its exit is for the team
    serving Tom Dy: the button is not offered, the address answers 403."""
    team = Team.objects.create(code="reintegration-sr", name="Siem Reap", kind="reintegration")
    TeamCenter.objects.create(team=team, center=siem_reap)
    other = staff_create(
        username="officer_sr", password=PASSWORD, roles=[Role.REINTEGRATION_OFFICER], teams=[team]
    )
    ReintegrationPlan.objects.create(case=resident, pathway="employment", officer=other)
    log_in(other)
    page.goto(f"{live_server.url}/reintegration/cases/{resident.code}/")
    expect(page.locator("#plan")).to_contain_text("officer_sr")
    expect(page.get_by_role("link", name="Change the plan")).to_be_visible()
    expect(page.get_by_role("link", name="Record her reintegration")).to_have_count(0)
    response = page.goto(f"{live_server.url}/reintegration/cases/{resident.code}/reintegrate/")
    assert response.status == 403
