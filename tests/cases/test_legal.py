"""Legal cases: open from the case file, hearings, outcome, the list with stages."""

from datetime import date

import pytest

from cases.models import Hearing, LegalCase
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def test_center_staff_open_a_legal_case_and_the_legal_team_records_hearings_and_outcome(
    login, social_worker_tom_dy, legal_officer, resident_tom_dy
):
    # Before: the legal team does not see her case at all.
    assert login(legal_officer).get(f"/cases/{resident_tom_dy.code}/").status_code == 404
    # Her social worker refers her: opening a legal case (section legal_referral).
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/cases/{resident_tom_dy.code}/legal/new/",
        {"reference": "PP-77/2026", "opened_on": "2026-01-05"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/legal/PP-77/2026/"
    # Now the legal team sees her case and writes the legal record.
    client = login(legal_officer)
    assert client.get(f"/cases/{resident_tom_dy.code}/").status_code == 200
    response = client.post(
        "/cases/legal/PP-77/2026/hearings/",
        {"held_on": "2026-02-01", "court": "Phnom Penh Municipal Court", "stage": "trial"},
    )
    assert response.status_code == 302
    page = client.get("/cases/legal/PP-77/2026/").content.decode()
    assert "Phnom Penh Municipal Court" in page
    response = client.post(
        "/cases/legal/PP-77/2026/outcome/", {"outcome": "conviction", "closed_on": "2026-03-01"}
    )
    assert response.status_code == 302
    legal = LegalCase.objects.get(reference="PP-77/2026")
    assert legal.case == resident_tom_dy
    assert legal.outcome == "conviction" and legal.closed_on == date(2026, 3, 1)
    actions = set(
        AuditLog.objects.filter(case_code=resident_tom_dy.code).values_list("action", flat=True)
    )
    assert {"legal_case_open", "hearing_record", "legal_case_outcome"} <= actions


def test_center_staff_read_legal_cases_but_record_no_hearing_nor_outcome(
    login, social_worker_tom_dy, resident_tom_dy
):
    factories.legal_case(resident_tom_dy, reference="R-0")
    client = login(social_worker_tom_dy)
    assert client.get("/cases/legal/R-0/").status_code == 200
    hearing = client.post(
        "/cases/legal/R-0/hearings/", {"held_on": "2026-02-01", "court": "C", "stage": "trial"}
    )
    outcome = client.post(
        "/cases/legal/R-0/outcome/", {"outcome": "conviction", "closed_on": "2026-03-01"}
    )
    assert (hearing.status_code, outcome.status_code) == (403, 403)
    assert list(LegalCase.objects.values_list("reference", "outcome")) == [("R-0", "pending")]
    assert not Hearing.objects.exists()
    assert AuditLog.objects.filter(action="write_denied", user=social_worker_tom_dy).count() == 2


def test_the_legal_team_opens_a_further_legal_case_on_a_case_it_sees(
    login, legal_officer, resident_tom_dy
):
    factories.legal_case(resident_tom_dy, reference="PP-1/2025")
    response = login(legal_officer).post(
        f"/cases/{resident_tom_dy.code}/legal/new/",
        {"reference": "PP-2/2026", "opened_on": "2026-01-05"},
    )
    assert response.status_code == 302
    assert LegalCase.objects.get(reference="PP-2/2026").case == resident_tom_dy


def test_directors_may_not_open_a_legal_case(login, director, resident_tom_dy):
    client = login(director)
    assert client.get(f"/cases/{resident_tom_dy.code}/legal/new/").status_code == 403
    page = client.get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert "/legal/new/" not in page
    response = client.post(
        f"/cases/{resident_tom_dy.code}/legal/new/", {"reference": "X-1", "opened_on": "2026-01-01"}
    )
    assert response.status_code == 403
    assert not LegalCase.objects.exists()


def test_outcome_without_date_is_refused_next_to_the_field(login, legal_officer, resident_tom_dy):
    factories.legal_case(resident_tom_dy, reference="R-1")
    response = login(legal_officer).post("/cases/legal/R-1/outcome/", {"outcome": "conviction"})
    assert response.status_code == 400
    assert "Give the date of the outcome" in response.content.decode()
    assert LegalCase.objects.get(reference="R-1").outcome == "pending"


def test_duplicate_reference_is_refused(login, legal_officer, resident_tom_dy):
    factories.legal_case(resident_tom_dy, reference="R-1")
    factories.legal_case(None, reference="R-2")
    response = login(legal_officer).post(
        f"/cases/{resident_tom_dy.code}/legal/new/", {"reference": "R-2", "opened_on": "2026-01-01"}
    )
    # A refusal of the service, shown next to the field by the form runner.
    assert response.status_code == 400
    assert "A legal case with this reference exists" in response.content.decode()
    assert LegalCase.objects.get(reference="R-2").case is None


def test_legal_list_shows_stage_and_is_scoped(
    login,
    legal_officer,
    social_worker_siem_reap,
    resident_tom_dy,
    resident_siem_reap,
    django_assert_num_queries,
):
    legal = factories.legal_case(resident_tom_dy, reference="R-3")
    Hearing.objects.create(legal_case=legal, held_on=date(2026, 1, 1), court="C", stage="trial")
    Hearing.objects.create(legal_case=legal, held_on=date(2026, 2, 1), court="C", stage="appeal")
    factories.legal_case(resident_siem_reap, reference="R-SR")
    client = login(legal_officer)
    client.get("/cases/legal/")
    # 6 = session, user, roles (groups), centers, COUNT, the page (case joined,
    # stage and last hearing as subqueries).
    with django_assert_num_queries(6):
        page = client.get("/cases/legal/").content.decode()
    assert "R-3" in page and "Appeal" in page and "R-SR" in page
    page = login(social_worker_siem_reap).get("/cases/legal/").content.decode()
    assert "R-SR" in page and "R-3" not in page


def test_other_center_gets_404_on_legal_pages(login, social_worker_siem_reap, resident_tom_dy):
    factories.legal_case(resident_tom_dy, reference="R-4")
    client = login(social_worker_siem_reap)
    assert client.get("/cases/legal/R-4/").status_code == 404
    assert client.post("/cases/legal/R-4/hearings/", {}).status_code == 404
    assert client.post("/cases/legal/R-4/outcome/", {}).status_code == 404
    assert not Hearing.objects.exists()
    assert (
        AuditLog.objects.filter(action="access_denied", user=social_worker_siem_reap).count() == 3
    )


def test_director_reads_legal_case_but_cannot_change_it(login, director, resident_tom_dy):
    factories.legal_case(resident_tom_dy, reference="R-5")
    client = login(director)
    assert client.get("/cases/legal/R-5/").status_code == 200
    response = client.post("/cases/legal/R-5/outcome/", {"outcome": "dismissed"})
    assert response.status_code == 403
    assert LegalCase.objects.get(reference="R-5").outcome == "pending"
