"""Intake: register, consent, admit; duplicate check within what the user may see."""

from datetime import date, timedelta

import pytest

from cases.models import Case, Consent
from shelters.models import Stay
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def _intake(**overrides):
    today = date.today().isoformat()
    data = {
        "given_name": "ស្រីពៅ",
        "family_name": "ចាន់",
        "sex": "female",
        "birth_year": "2006",
        "nationality": "Cambodian",
        "phone": "012 345 678",
        "address": "Phnom Penh",
        "intake_date": today,
        "referral_source": "police",
        "exploitation_type": "labour",
        "admitted_on": today,
        "consent_data_processing": "on",
        "consent_photos": "on",
        "consent_given_on": today,
    }
    data.update(overrides)
    return data


def test_register_generates_code_from_center_and_admits(login, social_worker_tom_dy, tom_dy):
    client = login(social_worker_tom_dy)
    factories.case(f"TD-{date.today().year}-0041")
    response = client.post("/cases/new/", _intake(center=tom_dy.pk))
    case = Case.objects.exclude(code__endswith="-0041").get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.code}/"
    assert case.code == f"TD-{date.today().year}-0042"
    assert case.full_name == "ស្រីពៅ ចាន់"
    assert case.phone == "012 345 678"
    stay = Stay.objects.get(case=case)
    assert stay.shelter == tom_dy and stay.left_on is None
    consents = Consent.objects.filter(case=case)
    assert {c.purpose for c in consents} == {"data_processing", "photos"}
    assert all(c.recorded_by == social_worker_tom_dy for c in consents)
    created = AuditLog.objects.get(action="case_create")
    assert created.case_code == case.code
    assert created.details["given_name"] == "changed"
    assert "ស្រីពៅ" not in str(created.details)
    # the Khmer name is displayed on the case file
    assert "ស្រីពៅ ចាន់" in client.get(response["Location"]).content.decode()


def test_social_worker_cannot_admit_to_another_center(
    login, social_worker_tom_dy, siem_reap, tom_dy
):
    response = login(social_worker_tom_dy).post("/cases/new/", _intake(center=siem_reap.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Case.objects.exists()


def test_bad_input_is_shown_next_to_the_field_and_saves_nothing(
    login, social_worker_tom_dy, tom_dy
):
    response = login(social_worker_tom_dy).post(
        "/cases/new/",
        _intake(
            center=tom_dy.pk,
            given_name="",
            admitted_on=(date.today() + timedelta(days=30)).isoformat(),
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" in page
    assert "cannot be in the future" in page
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "persona", ["director", "legal_officer", "outreach_worker", "no_role_user"]
)
def test_roles_that_do_not_register_get_404(request, login, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get("/cases/new/").status_code == 404


def test_duplicate_check_shows_visible_matches_before_saving(
    login, social_worker_tom_dy, tom_dy, resident_tom_dy
):
    client = login(social_worker_tom_dy)
    # same person, name written family name first
    data = _intake(center=tom_dy.pk, given_name="សុខ", family_name="ស្រីមុំ", birth_year="2004")
    response = client.post("/cases/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert resident_tom_dy.code in page
    assert "This is a new person" in page
    assert Case.objects.count() == 1
    response = client.post("/cases/new/", {**data, "confirm_new_person": "on"})
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_duplicate_check_never_reveals_cases_the_user_may_not_see(
    login, social_worker_siem_reap, siem_reap, resident_tom_dy
):
    response = login(social_worker_siem_reap).post(
        "/cases/new/",
        _intake(center=siem_reap.pk, given_name="ស្រីមុំ", family_name="សុខ", birth_year="2004"),
    )
    # No warning, no count: the case is registered straight away.
    assert response.status_code == 302
    assert Case.objects.filter(code__startswith="SR-").count() == 1


def test_clinic_referral_prefills_and_links_the_clinic_client(login, social_worker_tom_dy, tom_dy):
    from outreach.models import ClinicVisit

    visit = factories.clinic_visit("C-0099")
    client = login(social_worker_tom_dy)
    page = client.get("/cases/new/?clinic_client=C-0099").content.decode()
    assert 'value="C-0099"' in page
    assert '<option value="clinic" selected>' in page
    data = _intake(center=tom_dy.pk, referral_source="clinic", clinic_client="C-0099")
    response = client.post("/cases/new/?clinic_client=C-0099", data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert ClinicVisit.objects.get(pk=visit.pk).enrolled_case == case


def test_unknown_clinic_client_is_refused_and_nothing_is_saved(login, social_worker_tom_dy, tom_dy):
    data = _intake(center=tom_dy.pk, referral_source="clinic", clinic_client="C-NOPE")
    response = login(social_worker_tom_dy).post("/cases/new/", data)
    assert response.status_code == 200
    assert "C-NOPE" in response.content.decode()
    assert not Case.objects.exists()
    assert not Stay.objects.exists()
