"""Case notes kind by kind (sections notes.<kind> in cases/access.py): who reads
which kind, which kinds the note form offers, and restricted notes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth.models import User

from cases.models import CaseNote
from cases.services import case_note_add
from reintegration.models import ReintegrationPlan
from smf.staff.models import AuditLog
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TEXTS = {
    "counselling": "She spoke about her nightmares.",
    "medical": "Blood test results are back.",
    "legal": "Statement given to the investigating judge.",
    "family": "Her mother agrees to take her back.",
    "education": "She passed the grade 6 exam.",
    "other": "She asked for a sewing machine.",
}


@pytest.fixture
def notes_of_every_kind(resident_tom_dy, social_worker_tom_dy):
    for kind, text in TEXTS.items():
        case_note_add(
            case=resident_tom_dy,
            kind=kind,
            confidentiality="normal",
            written_on=date(2026, 1, 5),
            text=text,
            user=social_worker_tom_dy,
        )
    return resident_tom_dy


@pytest.fixture
def officer_following(reintegration_officer, resident_tom_dy):
    """The reintegration officer named in the resident's plan (so she sees the case)."""
    ReintegrationPlan.objects.create(
        case=resident_tom_dy,
        pathway=ReintegrationPlan.Pathway.FAMILY,
        officer=reintegration_officer,
    )
    return reintegration_officer


def _shown(page: str) -> set[str]:
    return {kind for kind, text in TEXTS.items() if text in page}


def _offered_kinds(page: str) -> list[str]:
    select = re.search(r'(?s)<select name="kind".*?</select>', page)
    assert select, "no kind choice in the note form"
    return re.findall(r'<option value="([a-z_]+)"', select.group(0))


def _note(kind: str, **overrides) -> dict:
    return {
        "written_on": "2026-01-06",
        "kind": kind,
        "confidentiality": "normal",
        "text": "new note",
        **overrides,
    }


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- who reads which kind -----------------------------------------------------------------


def test_legal_officer_reads_legal_notes_but_not_counselling_notes(
    login, legal_officer, notes_of_every_kind
):
    factories.legal_case(notes_of_every_kind, reference="PP-9/2026")
    response = login(legal_officer).get(f"/cases/{notes_of_every_kind.code}/")
    assert response.status_code == 200
    assert _shown(response.content.decode()) == {"legal"}
    readable = CaseNote.objects.readable_by(fresh(legal_officer))
    assert set(readable.values_list("kind", flat=True)) == {"legal"}


def test_reintegration_officer_reads_family_education_and_other_notes(
    login, officer_following, notes_of_every_kind
):
    page = login(officer_following).get(f"/cases/{notes_of_every_kind.code}/").content.decode()
    assert _shown(page) == {"family", "education", "other"}


@pytest.mark.parametrize("persona", ["social_worker_tom_dy", "center_manager_tom_dy", "director"])
def test_center_staff_and_directors_read_every_kind(request, login, persona, notes_of_every_kind):
    page = login(request.getfixturevalue(persona)).get(f"/cases/{notes_of_every_kind.code}/")
    assert _shown(page.content.decode()) == set(TEXTS)


def test_administrator_reads_no_note(login, administrator, notes_of_every_kind):
    response = login(administrator).get(f"/cases/{notes_of_every_kind.code}/")
    assert response.status_code == 200
    assert _shown(response.content.decode()) == set()
    assert not CaseNote.objects.readable_by(fresh(administrator)).exists()


# --- restricted notes ---------------------------------------------------------------------


@pytest.fixture
def restricted_note(resident_tom_dy, social_worker_tom_dy):
    return case_note_add(
        case=resident_tom_dy,
        kind="counselling",
        confidentiality="restricted",
        written_on=date(2026, 1, 5),
        text="She named the man who sold her.",
        user=social_worker_tom_dy,
    )


def test_administrator_cannot_read_a_restricted_note_in_the_product(
    login, administrator, restricted_note, resident_tom_dy
):
    client = login(administrator)
    response = client.get(f"/cases/{resident_tom_dy.code}/")
    assert response.status_code == 200  # she sees the case...
    page = response.content.decode()
    assert "She named the man" not in page  # ...not the note
    assert 'id="timeline"' not in page
    assert not CaseNote.objects.readable_by(fresh(administrator)).exists()


def test_superuser_administrator_cannot_read_a_restricted_note_either(
    login, restricted_note, resident_tom_dy
):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    page = login(root).get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert "She named the man" not in page
    assert not CaseNote.objects.readable_by(fresh(root)).exists()


def test_restricted_note_is_read_by_its_author_and_center_managers_only(
    login,
    social_worker_tom_dy,
    center_manager_tom_dy,
    director,
    legal_officer,
    restricted_note,
    resident_tom_dy,
):
    def readers(*users):
        return {
            user.username
            for user in users
            if CaseNote.objects.readable_by(fresh(user)).filter(pk=restricted_note.pk).exists()
        }

    assert readers(social_worker_tom_dy, center_manager_tom_dy, director, legal_officer) == {
        social_worker_tom_dy.username,
        center_manager_tom_dy.username,
    }


# --- which kinds the note form offers, and a forbidden kind posted ---------------------------


def test_note_form_offers_every_kind_to_center_staff(login, social_worker_tom_dy, resident_tom_dy):
    page = login(social_worker_tom_dy).get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert _offered_kinds(page) == list(CaseNote.Kind.values)


def test_note_form_offers_a_legal_officer_legal_notes_only(login, legal_officer, resident_tom_dy):
    factories.legal_case(resident_tom_dy, reference="PP-10/2026")
    client = login(legal_officer)
    page = client.get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert _offered_kinds(page) == ["legal"]
    response = client.post(f"/cases/{resident_tom_dy.code}/notes/", _note("legal"))
    assert response.status_code == 302
    assert list(CaseNote.objects.values_list("kind", "author")) == [("legal", legal_officer.pk)]


def test_note_form_offers_a_reintegration_officer_family_notes_only(
    login, officer_following, resident_tom_dy
):
    page = login(officer_following).get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert _offered_kinds(page) == ["family"]


@pytest.mark.parametrize(
    "persona,kind",
    [
        ("legal_officer", "counselling"),
        ("legal_officer", "medical"),
        ("legal_officer", "family"),
        ("officer_following", "counselling"),
        ("officer_following", "education"),
        ("officer_following", "legal"),
    ],
)
def test_a_posted_kind_she_may_not_write_changes_nothing(
    request, login, persona, kind, resident_tom_dy
):
    factories.legal_case(resident_tom_dy, reference="PP-11/2026")
    user = request.getfixturevalue(persona)
    before = AuditLog.objects.filter(action="note_add").count()
    response = login(user).post(f"/cases/{resident_tom_dy.code}/notes/", _note(kind))
    assert response.status_code == 400
    assert not CaseNote.objects.exists()
    assert AuditLog.objects.filter(action="note_add").count() == before
    # The form comes back with the refusal, still offering only her kinds.
    own = {"legal_officer": ["legal"], "officer_following": ["family"]}[persona]
    assert _offered_kinds(response.content.decode()) == own


@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_readers_who_write_no_kind_get_no_form_and_a_403(request, login, persona, resident_tom_dy):
    client = login(request.getfixturevalue(persona))
    page = client.get(f"/cases/{resident_tom_dy.code}/").content.decode()
    assert '<select name="kind"' not in page
    response = client.post(f"/cases/{resident_tom_dy.code}/notes/", _note("other"))
    assert response.status_code == 403
    assert not CaseNote.objects.exists()
