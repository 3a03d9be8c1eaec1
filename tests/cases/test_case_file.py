"""The case file page: scoping, audit, sections, restricted notes, query count."""

from datetime import date, timedelta

import pytest

from cases.models import CaseNote
from cases.services import case_note_add
from smf.staff.models import AuditLog
from tests import factories
from tests.conftest import audit_write_queries

pytestmark = pytest.mark.django_db


def test_social_worker_sees_her_residents_case_file_with_khmer_name(
    login, social_worker_tom_dy, resident_tom_dy
):
    response = login(social_worker_tom_dy).get(f"/cases/{resident_tom_dy.code}/")
    assert response.status_code == 200
    assert "ស្រីមុំ សុខ" in response.content.decode()
    assert "Tom Dy" in response.content.decode()


def test_siem_reap_staff_get_404_for_a_tom_dy_case_and_it_is_audited(
    login, social_worker_siem_reap, resident_tom_dy
):
    client = login(social_worker_siem_reap)
    for url in (
        f"/cases/{resident_tom_dy.code}/",
        f"/cases/{resident_tom_dy.code}/edit/",
        f"/cases/{resident_tom_dy.code}/legal/new/",
    ):
        assert client.get(url).status_code == 404
    for url in (
        f"/cases/{resident_tom_dy.code}/notes/",
        f"/cases/{resident_tom_dy.code}/consents/",
        f"/cases/{resident_tom_dy.code}/consents/withdraw/",
    ):
        assert client.post(url, {}).status_code == 404
    denied = AuditLog.objects.filter(
        user=social_worker_siem_reap, action="access_denied", case_code=resident_tom_dy.code
    )
    assert denied.count() == 6
    assert not CaseNote.objects.exists()


@pytest.mark.parametrize("persona", ["no_role_user", "outreach_worker", "legal_officer"])
def test_users_without_a_link_to_the_case_get_404(request, login, persona, resident_tom_dy):
    user = request.getfixturevalue(persona)
    assert login(user).get(f"/cases/{resident_tom_dy.code}/").status_code == 404


def test_case_file_needs_login(client, resident_tom_dy):
    response = client.get(f"/cases/{resident_tom_dy.code}/")
    assert response.status_code == 302


def test_viewing_a_case_file_writes_case_view(login, social_worker_tom_dy, resident_tom_dy):
    login(social_worker_tom_dy).get(f"/cases/{resident_tom_dy.code}/")
    entry = AuditLog.objects.get(action="case_view")
    assert entry.user == social_worker_tom_dy
    assert entry.case_code == resident_tom_dy.code


def test_legal_officer_sees_case_with_legal_case_but_director_reads_only(
    login, legal_officer, director, resident_tom_dy
):
    factories.legal_case(resident_tom_dy, reference="PP-123/2026")
    response = login(legal_officer).get(f"/cases/{resident_tom_dy.code}/")
    assert response.status_code == 200
    assert "PP-123/2026" in response.content.decode()
    client = login(director)
    assert client.get(f"/cases/{resident_tom_dy.code}/").status_code == 200
    response = client.post(
        f"/cases/{resident_tom_dy.code}/notes/",
        {"written_on": "2026-01-02", "kind": "other", "confidentiality": "normal", "text": "x"},
    )
    assert response.status_code == 403
    assert not CaseNote.objects.exists()


def test_adding_a_note_shows_it_in_the_timeline(login, social_worker_tom_dy, resident_tom_dy):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/cases/{resident_tom_dy.code}/notes/",
        {
            "written_on": date.today().isoformat(),
            "kind": "counselling",
            "confidentiality": "normal",
            "text": "First counselling session went well.",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert "First counselling session went well." in page
    entry = AuditLog.objects.get(action="note_add")
    assert "went well" not in str(entry.details)


def test_a_note_dated_in_the_future_is_refused_next_to_the_field(
    login, social_worker_tom_dy, resident_tom_dy
):
    response = login(social_worker_tom_dy).post(
        f"/cases/{resident_tom_dy.code}/notes/",
        {
            # Future, yet a plausible year (2999 is refused by the range of every date).
            "written_on": (date.today() + timedelta(days=30)).isoformat(),
            "kind": "other",
            "confidentiality": "normal",
            "text": "x",
        },
    )
    assert response.status_code == 400
    assert "cannot be dated in the future" in response.content.decode()
    assert not CaseNote.objects.exists()


def test_restricted_note_visible_only_to_author_and_center_managers(
    login, social_worker_tom_dy, center_manager_tom_dy, director, resident_tom_dy, tom_dy
):
    from smf.staff.roles import Role
    from tests.conftest import PASSWORD, staff_create

    colleague = staff_create(
        username="sw2", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[tom_dy]
    )
    case_note_add(
        case=resident_tom_dy,
        kind="counselling",
        confidentiality="restricted",
        written_on=date(2026, 1, 5),
        text="She disclosed the trafficker's name.",
        user=social_worker_tom_dy,
    )
    secret = "disclosed the trafficker"
    url = f"/cases/{resident_tom_dy.code}/"
    assert secret in login(social_worker_tom_dy).get(url).content.decode()
    assert secret in login(center_manager_tom_dy).get(url).content.decode()
    assert secret not in login(colleague).get(url).content.decode()
    assert secret not in login(director).get(url).content.decode()


def test_consent_withdrawal_is_recorded_with_who_and_when(
    login, social_worker_tom_dy, resident_tom_dy
):
    from cases.services import consent_record

    consent = consent_record(
        case=resident_tom_dy,
        purpose="photos",
        given_on=date(2026, 1, 1),
        user=social_worker_tom_dy,
    )
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/cases/{resident_tom_dy.code}/consents/withdraw/",
        {"consent": consent.pk, "withdrawn_on": date.today().isoformat()},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == date.today()
    assert consent.withdrawn_recorded_by == social_worker_tom_dy
    assert AuditLog.objects.filter(action="consent_withdraw").exists()


def test_consent_of_another_case_cannot_be_withdrawn_through_this_case(
    login, social_worker_tom_dy, resident_tom_dy, tom_dy
):
    from cases.services import consent_record

    other = factories.case("TD-2026-0002")
    factories.stay(other, tom_dy, admitted_on=date(2026, 1, 1))
    consent = consent_record(
        case=other, purpose="photos", given_on=date(2026, 1, 1), user=social_worker_tom_dy
    )
    response = login(social_worker_tom_dy).post(
        f"/cases/{resident_tom_dy.code}/consents/withdraw/",
        {"consent": consent.pk, "withdrawn_on": date.today().isoformat()},
    )
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def _full_case(case, tom_dy, user):
    factories.education(case)
    factories.training(case)
    factories.internship(case)
    factories.support(case)
    factories.followup(case)
    lc = factories.legal_case(case)
    from cases.models import Hearing

    Hearing.objects.create(legal_case=lc, held_on=date(2026, 1, 1), court="PP", stage="trial")
    case_note_add(
        case=case,
        kind="medical",
        confidentiality="normal",
        written_on=date(2026, 1, 1),
        text="ok",
        user=user,
    )


def test_case_file_query_count_does_not_grow_with_the_sections(
    login, social_worker_tom_dy, resident_tom_dy, tom_dy, django_assert_num_queries
):
    client = login(social_worker_tom_dy)
    url = f"/cases/{resident_tom_dy.code}/"
    client.get(url)  # warm the session
    _full_case(resident_tom_dy, tom_dy, social_worker_tom_dy)
    _full_case(resident_tom_dy, tom_dy, social_worker_tom_dy)
    # 16 + the audit line's queries = session, user, roles (groups), centers, the
    # case with its social worker (visibility filter), the audit line (its
    # chain's queries: `audit_write_queries`), whether the Centers menu
    # entry shows (once per request, however many panels are rendered), then
    # each panel loads its own records: stays with their center, education,
    # trainings, internships (center life); reintegration support, follow-ups
    # (reintegration); legal cases, hearings (legal); consents with their
    # recorders; notes with their authors. None of these grows with the rows.
    with django_assert_num_queries(16 + audit_write_queries()):
        response = client.get(url)
    assert response.status_code == 200
