"""Sections of the case file follow the same rules as the pages they link to."""

from datetime import date

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_in_court(tom_dy, social_worker_tom_dy):
    case = factories.case("TD-2026-0042", created_by=social_worker_tom_dy)
    factories.legal_case(case)
    factories.followup(case, due_on=date(2026, 3, 1))
    return case


def test_legal_officer_case_file_has_no_reintegration_section(login, legal_officer, case_in_court):
    response = login(legal_officer).get(f"/cases/{case_in_court.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/reintegration/cases/{case_in_court.code}/" not in page
    assert 'id="visits"' not in page


def test_social_worker_case_file_links_to_reintegration(login, social_worker_tom_dy, case_in_court):
    page = login(social_worker_tom_dy).get(f"/cases/{case_in_court.code}/").content.decode()
    assert f"/reintegration/cases/{case_in_court.code}/" in page
    assert 'id="visits"' in page
