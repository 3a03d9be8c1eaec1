"""The social worker's case journeys in headless Chromium, start to finish."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseNote, Hearing, LegalCase
from shelters.models import Stay
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_social_worker_registers_a_survivor_and_works_her_case_file(
    live_server, page, log_in, social_worker_tom_dy, social_worker_siem_reap, legal_officer, tom_dy
):
    log_in(social_worker_tom_dy)
    # Intake, from the dashboard.
    page.get_by_role("link", name="Register a new survivor").first.click()
    page.fill("#id_given_name", "ស្រីពៅ")
    page.fill("#id_family_name", "ចាន់")
    page.fill("#id_birth_year", "2006")
    page.fill("#id_phone", "012 345 678")
    page.select_option("#id_referral_source", "police")
    page.select_option("#id_exploitation_type", "labour")
    page.select_option("#id_center", str(tom_dy.pk))
    page.check("#id_consent_data_processing")
    page.check("#id_consent_photos")
    page.get_by_role("button", name="Register and admit").click()
    page.wait_for_url(re.compile(r"/cases/TD-\d{4}-\d{4}/$"))
    case = Case.objects.get()
    assert page.locator("h1").inner_text() == case.code
    assert page.locator("#case-name").inner_text() == "ស្រីពៅ ចាន់"
    assert "Tom Dy" in page.get_by_test_id("current-stay").inner_text()
    assert Stay.objects.filter(case=case, left_on__isnull=True).exists()
    assert "Photos" in page.locator("#consents").inner_text()

    # A case note.
    page.get_by_text("Add a note").click()
    page.select_option("#id_kind", "counselling")
    page.fill("#id_text", "First counselling session.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(re.compile(r"#notes$"))
    assert "First counselling session." in page.locator("#timeline").inner_text()
    assert CaseNote.objects.filter(case=case).count() == 1

    # Edit the details.
    page.get_by_role("link", name="Edit details").click()
    page.fill("#id_nationality", "Vietnamese")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.code}/")
    assert "The case details were saved." in page.content()
    case.refresh_from_db()
    assert case.nationality == "Vietnamese" and case.version == 2

    # She refers her to the legal team by opening a legal case.
    page.get_by_role("link", name="Open a legal case").click()
    page.fill("#id_reference", "PP-12/2026")
    page.get_by_role("button", name="Open legal case").click()
    page.wait_for_url(f"{live_server.url}/cases/legal/PP-12/2026/")
    assert LegalCase.objects.get(reference="PP-12/2026").case == case
    # Hearings and the outcome are the legal team's: she reads them, writes none.
    expect(page.get_by_role("button", name="Record hearing")).to_have_count(0)
    expect(page.get_by_role("button", name="Save outcome")).to_have_count(0)

    # The legal officer now sees her case and records the first hearing.
    legal = page.context.browser.new_context()
    legal_page = legal.new_page()
    log_in(legal_officer, target=legal_page)
    legal_page.goto(f"{live_server.url}/cases/{case.code}/")
    legal_page.locator("#legal").get_by_role("link", name="PP-12/2026").click()
    legal_page.wait_for_url(f"{live_server.url}/cases/legal/PP-12/2026/")
    legal_page.fill("#id_held_on", timezone.localdate().isoformat())
    legal_page.fill("#id_court", "Phnom Penh Municipal Court")
    legal_page.select_option("#id_stage", "trial")
    with legal_page.expect_navigation():
        legal_page.get_by_role("button", name="Record hearing").click()
    expect(legal_page.locator("#legal-stage")).to_have_text("Trial")
    assert Hearing.objects.get().legal_case.reference == "PP-12/2026"
    legal.close()

    # A social worker of Siem Reap gets a 404 for the same URL.
    other = page.context.browser.new_context()
    other_page = other.new_page()
    log_in(social_worker_siem_reap, target=other_page)
    response = other_page.goto(f"{live_server.url}/cases/{case.code}/")
    assert response.status == 404
    assert "ស្រីពៅ" not in other_page.content()
    other.close()


def test_duplicate_warning_in_the_browser(live_server, page, log_in, social_worker_tom_dy, tom_dy):
    existing = factories.case("TD-2026-0007", given_name="Dara", family_name="Chan")
    factories.stay(existing, tom_dy)
    log_in(social_worker_tom_dy)
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_given_name", "Dara")
    page.fill("#id_family_name", "Chan")
    page.get_by_role("button", name="Register and admit").click()
    assert existing.code in page.locator("#possible-matches").inner_text()
    assert Case.objects.count() == 1
    page.check("#id_confirm_new_person")
    page.get_by_role("button", name="Register and admit").click()
    page.wait_for_url(re.compile(r"/cases/TD-\d{4}-\d{4}/$"))
    assert Case.objects.count() == 2


def test_name_search_in_the_browser_keeps_the_name_out_of_every_address(
    live_server, page, log_in, social_worker_tom_dy, tom_dy
):
    for n, (given, family) in enumerate((("Dara", "Chan"), ("Sophea", "Kim"))):
        case = factories.case(f"TD-2026-{n:04d}", given_name=given, family_name=family)
        factories.stay(case, tom_dy)
    log_in(social_worker_tom_dy)
    page.goto(f"{live_server.url}/")
    sent = []
    page.on("request", lambda r: sent.append(f"{r.url} {r.headers.get('referer', '')}"))
    # The dashboard's box: type the name, press Enter.
    page.fill("#home-q", "Sophea Kim")
    with page.expect_navigation():
        page.press("#home-q", "Enter")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("TD-2026-0001")
    expect(page.locator("#id_q")).to_have_value("Sophea Kim")
    # A filter changed in the list's form, Enter in the box again: the search stays.
    page.select_option("#id_status", "in_center")
    with page.expect_navigation():
        page.press("#id_q", "Enter")
    expect(rows).to_have_count(1)
    assert "search=" in page.url and "status=in_center" in page.url
    page.get_by_role("link", name="Clear search").click()
    expect(rows).to_have_count(2)
    assert sent and not [line for line in sent if "Sophea" in line]
