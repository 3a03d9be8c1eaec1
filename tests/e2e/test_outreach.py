"""Journeys of the outreach team and the free clinic, on a phone-sized screen."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from outreach.models import ClinicVisit, OutreachVisit
from smf.staff.models import Team
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser, phone_context_args):
    context = browser.new_context(**phone_context_args)
    yield context.new_page()
    context.close()


@pytest.fixture
def worker_in_teams(outreach_worker):
    outreach = Team.objects.create(code="outreach-pp", name="Outreach Phnom Penh", kind="outreach")
    clinic = Team.objects.create(code="clinic", name="Free clinic", kind="clinic")
    outreach_worker.staff_profile.teams.set([outreach, clinic])
    return outreach_worker


def fits_the_screen(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling to reach a field."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_outreach_worker_logs_a_visit_on_a_phone(live_server, phone, log_in, worker_in_teams):
    factories.venue("VEN-00001", name="Golden Star Karaoke", province="Phnom Penh")
    factories.venue("VEN-00002", name="Lucky Beer Garden", kind="beer_garden", province="Kandal")
    log_in(worker_in_teams, target=phone)
    started = time.monotonic()

    phone.goto(f"{live_server.url}/outreach/")
    phone.get_by_role("link", name="Log an outreach visit").click()
    # The venue filter listens once the page's script has run: on a loaded
    # machine the typing could come first.
    phone.wait_for_load_state("load")
    assert fits_the_screen(phone)
    phone.fill("#venue-filter", "lucky")  # narrows the list and picks the match
    expect(phone.locator("#id_venue")).to_have_value("VEN-00002")
    phone.fill("#id_contacts", "18")
    phone.get_by_label("Hygiene").check()
    phone.get_by_label("Domestic violence").check()
    phone.fill("#id_clients_educated", "2")
    phone.fill("#id_condoms", "240")
    phone.fill("#id_soaps", "15")
    phone.get_by_role("button", name="Save visit").click()
    phone.wait_for_url(f"{live_server.url}/outreach/visits/")

    assert time.monotonic() - started < 60
    assert "Saved." in phone.content()
    row = phone.locator("tbody tr").first.inner_text()
    assert "Lucky Beer Garden" in row and "240" in row
    visit = OutreachVisit.objects.get()
    assert visit.visited_on == timezone.localdate()
    assert visit.topics == ["hygiene", "domestic_violence"]
    assert list(visit.team_members.all()) == [worker_in_teams]
    assert visit.team.code == "outreach-pp"


def test_a_negative_count_is_refused_next_to_the_field(live_server, phone, log_in, outreach_worker):
    factories.venue("VEN-00001", name="Golden Star Karaoke")
    log_in(outreach_worker, target=phone)
    phone.goto(f"{live_server.url}/outreach/visits/new/")
    phone.select_option("#id_venue", "VEN-00001")
    phone.fill("#id_contacts", "-4")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save visit").click()
    error = phone.locator("#id_contacts ~ .invalid-feedback, #error_1_id_contacts").first
    expect(error).to_contain_text("cannot be negative")
    assert not OutreachVisit.objects.exists()


def test_clinic_logs_a_visit_with_an_std_test(live_server, phone, log_in, worker_in_teams):
    log_in(worker_in_teams, target=phone)
    phone.goto(f"{live_server.url}/outreach/")
    phone.get_by_role("link", name="Log a clinic visit").click()
    assert fits_the_screen(phone)
    phone.select_option("#id_service", "consultation")
    phone.get_by_label("STD test done").check()
    phone.select_option("#id_std_result", "positive_treated")
    phone.fill("#id_treatment", "Antibiotics, 7 days")
    phone.get_by_label("Counselling given").check()
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_url("**/outreach/clinic/clients/*/")

    visit = ClinicVisit.objects.get()
    assert phone.locator("[data-client-code]").inner_text() == visit.client_code
    assert "Positive, treated here" in phone.locator("[data-std-result]").first.inner_text()
    assert visit.std_test and visit.team.code == "clinic"


def test_clinic_referral_reaches_the_intake_form(
    live_server, browser, phone, log_in, outreach_worker, social_worker_tom_dy, tom_dy
):
    # The clinic: the client decides to leave and is referred to Tom Dy.
    log_in(outreach_worker, target=phone)
    phone.goto(f"{live_server.url}/outreach/clinic/new/")
    phone.select_option("#id_service", "counselling")
    phone.get_by_label("Counselling given").check()
    phone.get_by_label("Decided to leave and referred to a center").check()
    phone.select_option("#id_referred_to", str(tom_dy.pk))
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_url("**/outreach/clinic/clients/*/")
    code = ClinicVisit.objects.get().client_code
    client_page = phone.url
    link = phone.locator("[data-start-intake]")
    assert link.get_attribute("href") == f"/cases/new/?clinic_client={code}"

    # The center's social worker follows the link and registers her.
    context = browser.new_context()
    intake = context.new_page()
    log_in(social_worker_tom_dy, target=intake)
    intake.goto(f"{live_server.url}{link.get_attribute('href')}")
    assert intake.input_value("#id_referral_source") == "clinic"
    intake.fill("#id_given_name", "Sophea")
    intake.fill("#id_family_name", "Lim")
    intake.get_by_label("She consents to the processing of her data").check()
    intake.get_by_role("button", name="Register and admit").click()
    intake.wait_for_url("**/cases/TD-*/")
    context.close()

    case = Case.objects.get()
    assert ClinicVisit.objects.get().enrolled_case == case
    # Back at the clinic the referral shows as enrolled, by case code only.
    phone.goto(client_page)
    assert case.code in phone.locator("[data-enrolled]").inner_text()
    assert "Sophea" not in phone.content()
    assert phone.locator("[data-start-intake]").count() == 0
