"""Legal cases: open from the case file, hearings, outcome, the list with stages."""

from datetime import date

import pytest

from cases.models import Hearing, LegalCase
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def test_open_legal_case_record_hearing_and_outcome(login, social_worker_tom_dy, resident_tom_dy):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/cases/{resident_tom_dy.code}/legal/new/",
        {"reference": "PP-77/2026", "opened_on": "2026-01-05"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/legal/PP-77/2026/"
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
    assert legal.outcome == "conviction" and legal.closed_on == date(2026, 3, 1)
    actions = set(
        AuditLog.objects.filter(case_code=resident_tom_dy.code).values_list("action", flat=True)
    )
    assert {"legal_case_open", "hearing_record", "legal_case_outcome"} <= actions


def test_outcome_without_date_is_refused_next_to_the_field(
    login, social_worker_tom_dy, resident_tom_dy
):
    factories.legal_case(resident_tom_dy, reference="R-1")
    response = login(social_worker_tom_dy).post(
        "/cases/legal/R-1/outcome/", {"outcome": "conviction"}
    )
    assert response.status_code == 400
    assert "Give the date of the outcome" in response.content.decode()
    assert LegalCase.objects.get(reference="R-1").outcome == "pending"


def test_duplicate_reference_is_refused(login, social_worker_tom_dy, resident_tom_dy):
    factories.legal_case(None, reference="R-2")
    response = login(social_worker_tom_dy).post(
        f"/cases/{resident_tom_dy.code}/legal/new/", {"reference": "R-2", "opened_on": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "A legal case with this reference exists" in response.content.decode()


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
