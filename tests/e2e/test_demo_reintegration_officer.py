"""The demo's reintegration officer plans and records a Tom Dy resident's
reintegration in the browser: at desktop width, on a phone, and in Khmer.

The demo (smf/core/demo.py) is seeded once for the module (the `demo_site`
fixture): the login `reintegration` is in the reintegration team, which serves
every center (TeamCenter). Each run takes the first current Tom Dy resident the
case list shows; the run before it has reintegrated its own, so each works on a
different survivor.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone, translation
from playwright.sync_api import expect

from reintegration.models import FollowUpVisit, ReintegrationPlan
from shelters.models import Stay
from tests.e2e.conftest import demo_database

# The demo is the module's database, seeded once (tests/e2e/conftest.py, demo_site).
# Transactional, as the other browser tests: pytest-django then runs the module
# after the tests that use a rolled-back transaction, so the flush at its end
# cannot take away data that migrations made (the supply items) from them.
pytestmark = pytest.mark.django_db(transaction=True)
_django_db_helper = demo_database

KHMER = re.compile("[\u1780-\u17ff]")
OFFICER = "reintegration"


def fits_the_screen(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling to reach a button."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


class Screen:
    """The page, and the words the site shows in its language."""

    def __init__(self, page, language: str) -> None:
        self.page = page
        self.language = language

    def t(self, text: str) -> str:
        with translation.override(self.language):
            return translation.gettext(text)

    def open_menu(self) -> None:
        """On a phone the main menu folds behind its button."""
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
        expect(self.page.locator("#mainnav")).to_be_visible()

    def save(self) -> None:
        """Submit the form and wait for the page the server answers with."""
        with self.page.expect_navigation():
            self.page.locator("main form").get_by_role("button", name=self.t("Save")).click()


@pytest.fixture(params=["desktop", "phone", "khmer"])
def screen(request, demo_site, browser, demo_log_in, phone_context_args):
    phone = request.param == "phone"
    context = browser.new_context(**(phone_context_args if phone else {}))
    page = context.new_page()
    demo_log_in(OFFICER, target=page)
    language = "km" if request.param == "khmer" else "en"
    screen = Screen(page, language)
    if language == "km":
        # Through the site's own language menu.
        screen.open_menu()
        with page.expect_navigation():
            page.locator("#mainnav select[name=language]").select_option("km")
        expect(page.locator("html")).to_have_attribute("lang", "km")
        expect(page.locator("#mainnav")).to_contain_text(KHMER)
    yield screen
    context.close()


def test_demo_officer_plans_and_records_a_tom_dy_residents_reintegration(demo_site, screen):
    page, t, url = screen.page, screen.t, demo_site.url
    officer = User.objects.get(username=OFFICER)
    today = timezone.localdate().isoformat()

    # The Cases list, filtered on the current residents of Tom Dy.
    screen.open_menu()
    page.locator("#mainnav").get_by_role("link", name=t("Cases"), exact=True).click()
    page.wait_for_url(f"{url}/cases/")
    # Legal cases are not hers to read: not offered.
    expect(page.get_by_role("link", name=t("Legal cases"))).to_have_count(0)
    page.select_option("#id_center", label="Tom Dy")
    page.select_option("#id_status", "in_center")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Search")).click()
    first = page.locator("main table tbody tr").first
    expect(first).to_contain_text("Tom Dy")
    expect(first).to_contain_text(t("In a center"))
    code = first.locator("td").first.inner_text().strip()
    stay = Stay.objects.get(case__code=code, left_on__isnull=True)
    assert stay.shelter.name == "Tom Dy"
    assert not ReintegrationPlan.objects.filter(case__code=code).exists()

    # Her case file: the panels of her work and what she reads, no write beyond it.
    first.get_by_role("link", name=code).click()
    page.wait_for_url(f"{url}/cases/{code}/")
    expect(page.locator("h1")).to_have_text(code)
    for panel in ("summary", "center", "reintegration", "consents", "notes"):
        expect(page.locator(f"section#{panel}")).to_be_visible()
    expect(page.locator("section#legal")).to_have_count(0)
    expect(page.get_by_test_id("current-stay")).to_contain_text("Tom Dy")
    expect(page.get_by_role("link", name=t("Edit details"))).to_have_count(0)
    expect(page.locator("#consents").get_by_text(t("Record a consent"))).to_have_count(0)
    expect(page.locator("#consents form")).to_have_count(0)
    center = page.locator("#center")
    for action in ("Transfer", "Discharge", "Admit to a center", "Enrol in training"):
        expect(center.get_by_role("link", name=t(action), exact=True)).to_have_count(0)
    expect(center.locator('a[href*="/centers/cases/"]')).to_have_count(0)
    # Family notes are part of her work: the one kind she is offered.
    page.locator("#notes summary").filter(has_text=t("Add a note")).click()
    options = page.locator("#notes #id_kind option")
    expect(options).to_have_count(1)
    expect(options).to_have_attribute("value", "family")
    assert fits_the_screen(page)

    # Typing the edit address: refused.
    response = page.goto(f"{url}/cases/{code}/edit/")
    assert response.status == 403
    page.goto(f"{url}/cases/{code}/")

    # Her reintegration: the plan first.
    page.get_by_role("link", name=t("Open reintegration and follow-up")).click()
    page.wait_for_url(f"{url}/reintegration/cases/{code}/")
    expect(page.locator("#case-code")).to_have_text(code)
    page.get_by_role("link", name=t("Plan her reintegration")).click()
    page.select_option("#id_pathway", "employment")
    expect(page.locator("#id_officer")).to_have_value(str(officer.pk))
    assert fits_the_screen(page)
    screen.save()
    page.wait_for_url(f"{url}/reintegration/cases/{code}/")
    expect(page.locator("#plan")).to_contain_text(t("Employment"))
    expect(page.locator("#reintegrated-on")).to_have_text(t("not yet"))

    # Then her exit from Tom Dy: her stay ends and the visits are scheduled.
    page.get_by_role("link", name=t("Record her reintegration")).click()
    expect(page.locator("main")).to_contain_text("Tom Dy")
    expect(page.locator("#id_left_on")).to_have_value(today)
    screen.save()
    page.wait_for_url(f"{url}/reintegration/cases/{code}/")
    expect(page.locator("#reintegrated-on")).to_have_text(today)
    expect(page.get_by_role("link", name=t("Record her reintegration"))).to_have_count(0)
    scheduled = FollowUpVisit.objects.filter(case__code=code, visited_on__isnull=True)
    due = sorted(scheduled.values_list("due_on", flat=True))
    assert due and due[0] > timezone.localdate()
    rows = page.locator('#visits tr[data-status="scheduled"]')
    expect(rows).to_have_count(len(due))
    expect(rows.first).to_contain_text(due[0].isoformat())
    assert fits_the_screen(page)
    stay.refresh_from_db()
    assert stay.left_on == timezone.localdate() and stay.exit_reason == Stay.ExitReason.REINTEGRATED

    # Her case file shows it: out of the center, visits ahead.
    page.get_by_role("link", name=code).first.click()
    page.wait_for_url(f"{url}/cases/{code}/")
    expect(page.get_by_test_id("current-stay")).to_contain_text(t("Not in a center now."))
    expect(page.locator('#reintegration #visits tr[data-status="scheduled"]')).to_have_count(
        len(due)
    )
    if screen.language == "km":
        expect(page.locator("main")).to_contain_text(KHMER)
        expect(
            page.get_by_role("link", name=t("Open reintegration and follow-up"))
        ).to_contain_text(KHMER)
