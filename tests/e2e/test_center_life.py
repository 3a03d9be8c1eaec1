"""Journey: a Tom Dy social worker takes a survivor through center life in the browser."""

from __future__ import annotations

import pytest
from django.utils import timezone

from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

pytestmark = pytest.mark.django_db(transaction=True)


def board_row(page, live_server, code: str) -> dict[str, str]:
    page.goto(f"{live_server.url}/centers/")
    row = page.locator(f'[data-testid=occupancy-board] tr[data-center="{code}"]')
    return {
        col: row.locator(f"[data-col={col}]").inner_text().strip()
        for col in ("capacity", "residents", "admissions", "discharges")
    }


def save(page) -> None:
    """Submit the form and wait for the page the server answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()


@pytest.fixture
def social_worker_kampong_cham(kampong_cham):
    return staff_create(
        username="sw_kampongcham",
        password=PASSWORD,
        roles=[Role.SOCIAL_WORKER],
        centers=[kampong_cham],
    )


def test_social_worker_admits_trains_certifies_transfers_and_discharges(
    live_server,
    page,
    browser,
    log_in,
    social_worker_tom_dy,
    social_worker_kampong_cham,
    tom_dy,
    kampong_cham,
    director,
):
    today = timezone.localdate()
    month_start = today.replace(day=1).isoformat()
    case = factories.case("TD-2026-0042", created_by=social_worker_tom_dy)
    case_file = f"{live_server.url}/cases/{case.code}/"

    log_in(social_worker_tom_dy)

    # Admit her to Tom Dy from her case file.
    page.goto(case_file)
    page.get_by_role("link", name="Admit to a center").click()
    page.select_option("#id_shelter", "TD")
    page.fill("#id_admitted_on", month_start)
    save(page)
    assert page.url == case_file
    assert "In Tom Dy since" in page.get_by_test_id("current-stay").inner_text()
    assert board_row(page, live_server, "TD") == {
        "capacity": str(tom_dy.capacity),
        "residents": "1",
        "admissions": "1",
        "discharges": "0",
    }

    # Enrol her in sewing, then record completion and the government certificate.
    page.goto(case_file)
    page.get_by_role("link", name="Enrol in training").click()
    page.select_option("#id_trade", "sewing")
    page.fill("#id_started_on", month_start)
    save(page)
    page.get_by_role("link", name="Completion and certificate").click()
    page.fill("#id_completed_on", today.isoformat())
    page.fill("#id_certified_on", today.isoformat())
    save(page)
    # A certificate without its number is refused next to the field.
    assert page.locator("#id_certificate_number.is-invalid").count() == 1
    assert "number printed on the certificate" in page.content()
    page.fill("#id_certificate_number", "MLVT-2026-00731")
    save(page)
    assert page.url == case_file
    trainings = page.get_by_test_id("trainings").inner_text()
    assert "Sewing" in trainings and "MLVT-2026-00731" in trainings

    # Transfer her to Kampong Cham.
    page.get_by_role("link", name="Transfer").click()
    page.select_option("#id_to_shelter", "KC")
    page.fill("#id_on", today.isoformat())
    save(page)
    assert "In Kampong Cham since" in page.get_by_test_id("current-stay").inner_text()
    # She is Kampong Cham's resident now: Tom Dy may no longer move her.
    current = page.get_by_test_id("current-stay")
    assert current.get_by_role("link", name="Transfer").count() == 0
    assert current.get_by_role("link", name="Discharge").count() == 0

    # Kampong Cham's social worker discharges her: she returns to her family.
    receiving = browser.new_context()
    kc_page = receiving.new_page()
    log_in(social_worker_kampong_cham, target=kc_page)
    kc_page.goto(case_file)
    kc_page.get_by_test_id("current-stay").get_by_role("link", name="Discharge").click()
    kc_page.fill("#id_left_on", today.isoformat())
    kc_page.select_option("#id_exit_reason", "family")
    save(kc_page)
    assert kc_page.url == case_file
    receiving.close()

    page.goto(case_file)
    section = page.get_by_test_id("center-life").inner_text()
    assert "Not in a center now." in section
    assert "Returned to family" in section and "Transferred to another center" in section

    # Her board shows Tom Dy only: one admission and one departure this month.
    assert board_row(page, live_server, "TD") == {
        "capacity": str(tom_dy.capacity),
        "residents": "0",
        "admissions": "1",
        "discharges": "1",
    }
    assert page.locator('tr[data-center="KC"]').count() == 0

    # The director sees Kampong Cham received and discharged her.
    director_page = browser.new_page()
    log_in(director, target=director_page)
    assert board_row(director_page, live_server, "KC") == {
        "capacity": str(kampong_cham.capacity),
        "residents": "0",
        "admissions": "1",
        "discharges": "1",
    }
    director_page.close()


def test_social_worker_records_a_study_tour_from_the_center_page(
    live_server, page, log_in, social_worker_tom_dy, tom_dy, siem_reap
):
    ours = factories.case("TD-2026-0043")
    factories.stay(ours, tom_dy)
    factories.stay(factories.case("TD-2026-0044"), tom_dy)
    theirs = factories.case("SR-2026-0001")
    factories.stay(theirs, siem_reap)

    log_in(social_worker_tom_dy)
    page.goto(f"{live_server.url}/centers/TD/")
    assert page.get_by_test_id("residents-count").inner_text() == "2"
    page.get_by_role("link", name="Record an activity or study tour").click()
    assert page.get_by_text("SR-2026-0001").count() == 0
    page.select_option("#id_kind", "study_tour")
    page.fill("#id_title", "Visit to a garment factory")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    # The search box narrows the picker.
    page.get_by_placeholder("Find by case code or name").fill("0043")
    assert page.get_by_label("TD-2026-0044", exact=False).is_hidden()
    page.get_by_label("TD-2026-0043", exact=False).check()
    save(page)
    assert page.url == f"{live_server.url}/centers/TD/"
    page.get_by_role("link", name="Visit to a garment factory").click()
    assert page.get_by_label("TD-2026-0043", exact=False).is_checked()
