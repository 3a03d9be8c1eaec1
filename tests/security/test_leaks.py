"""Names, contact details and free text stay where they belong.

Every check writes a sentinel (ZZ...) into a name, a phone, a note, then looks
for it where it must never be: the audit log, the application log, emails, the
CSV export, the calendar feed, str() of every record, the admin's columns and
search, and the arguments of background tasks.
"""

from __future__ import annotations

import inspect
import logging
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_note_add, case_update
from reintegration.models import FollowUpVisit
from reintegration.services import (
    calendar_token_regenerate,
    followup_at_risk_alert_send,
    followup_digest_send,
    followup_record,
)
from shelters.services import activity_update
from smf.celery import app as celery_app
from smf.staff.models import AuditLog
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

from .conftest import ADDRESS, NAME, NOTE_TEXT, NOTE_TEXTS, PHONE

SENTINELS = (*NOTE_TEXTS, PHONE, ADDRESS, *(n for pair in NAME.values() for n in pair))
# Model fields that hold a person's name, contacts or free text about her.
PERSONAL_FIELDS = {"given_name", "family_name", "phone", "address", "name_index", "text", "notes"}


def _assert_clean(text: str, where: str) -> None:
    for sentinel in SENTINELS:
        assert sentinel not in text, f"{sentinel!r} found in {where}"


def _audit_text() -> str:
    return "\n".join(
        f"{e.action} {e.case_code} {e.details}" for e in AuditLog.objects.order_by("id")
    )


# --- audit log --------------------------------------------------------------------


def test_audit_log_never_holds_names_contacts_or_note_text(world, reintegration_officer):
    """Encrypted at rest in the record, so never in clear in the log beside it."""
    sw = world.users["social_worker_tom_dy"]
    case = world.cases["td"]
    case_update(
        case=case,
        changes={"given_name": "ZZTOMDYGIVEN2", "phone": PHONE + "9", "address": ADDRESS + "9"},
        version=case.version,
        user=sw,
    )
    case_note_add(
        case=case,
        kind="counselling",
        confidentiality="normal",
        written_on=date(2011, 4, 1),
        text=NOTE_TEXT,
        user=sw,
    )
    followup_record(
        visit=world.followup,
        visited_on=date(2012, 3, 1),
        visitor_role=FollowUpVisit.VisitorRole.SOCIAL_WORKER,
        outcome=FollowUpVisit.Outcome.STABLE,
        housing=3,
        income=3,
        health=3,
        safety=3,
        notes=NOTE_TEXT + " met her brother",
        user=reintegration_officer,
        version=world.followup.version,
    )
    activity = world.activity
    activity_update(
        activity=activity,
        version=activity.version,
        kind=activity.kind,
        title=activity.title,
        held_on=activity.held_on,
        notes=NOTE_TEXT + " cried during the session",
        participants=[case],
        user=sw,
    )
    text = _audit_text()
    assert "case_change" in text and "note_add" in text  # the lines are there...
    assert "ZZTOMDYGIVEN2" not in text
    _assert_clean(text, "the audit log")  # ...without what they are about


# --- application log -----------------------------------------------------------------


def test_pages_and_actions_log_ids_never_names(world, login, caplog):
    caplog.set_level(logging.DEBUG)
    client = login(world.users["social_worker_tom_dy"])
    code = world.cases["td"].code
    for key in ("td", "sr"):  # the search box posts; the list's address holds a key
        searched = client.post(reverse("caseload:list"), {"q": " ".join(NAME[key])})
        client.get(searched["Location"])
    client.get(reverse("cases:file", args=[code]))
    client.get(reverse("cases:file", args=[world.cases["sr"].code]))
    client.post(
        reverse("cases:note_add", args=[code]),
        {
            "kind": "counselling",
            "confidentiality": "normal",
            "written_on": "2011-05-01",
            "text": NOTE_TEXT,
        },
    )
    client.post(
        reverse("caseload:new"),
        {"given_name": NAME["sr"][0], "family_name": NAME["sr"][1], "phone": PHONE},
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the audit lines were logged...
    _assert_clean(logged, "the application log")  # ...with codes, not names


# --- emails ---------------------------------------------------------------------------


def test_emails_carry_case_codes_never_names(world, mailoutbox, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    officer = world.users["reintegration_officer"]
    officer.email = "reint@example.org"
    officer.save()
    sw = world.users["social_worker_tom_dy"]
    sw.email = "sw@example.org"
    sw.save()
    case = world.cases["td_reint"]
    case.assigned_social_worker = sw
    case.save()
    today = timezone.localdate()
    visit = FollowUpVisit.objects.create(
        case=case,
        visited_on=today,
        visitor_role="social_worker",
        outcome=FollowUpVisit.Outcome.AT_RISK,
        notes=NOTE_TEXT,
    )
    FollowUpVisit.objects.create(
        case=case, due_on=today + timedelta(days=2), visitor_role="", assigned_to=officer
    )
    assert followup_at_risk_alert_send(visit_id=visit.pk) >= 1
    assert followup_digest_send(user=officer, today=today)
    assert len(mailoutbox) >= 2
    for message in mailoutbox:
        assert case.code in message.subject + message.body
        _assert_clean(f"{message.subject}\n{message.body}", f"email {message.subject!r}")


# --- exports and feeds ------------------------------------------------------------------


def test_case_csv_export_has_codes_and_no_names(world, login):
    response = login(world.users["director"]).get(reverse("caseload:export"))
    body = response.content.decode()
    assert world.cases["td"].code in body
    _assert_clean(body, "the case export")


def test_calendar_feed_has_codes_and_no_names(world, client):
    officer = world.users["reintegration_officer"]
    FollowUpVisit.objects.filter(pk=world.followup.pk).update(assigned_to=officer)
    token = calendar_token_regenerate(user=officer)
    response = client.get(reverse("reintegration:feed", kwargs={"token": token}))
    body = response.content.decode()
    assert response.status_code == 200 and world.cases["td_reint"].code in body
    _assert_clean(body, "the calendar feed")


# --- str(), admin, task arguments -------------------------------------------------------


def test_str_of_every_record_names_no_one(world):
    records = [
        *world.cases.values(),
        world.legal_case,
        world.followup,
        world.education,
        world.training,
        world.internship,
        world.activity,
        world.consent,
        *world.cases["td"].notes.all(),
        *world.cases["td"].stays.all(),
    ]
    for record in records:
        _assert_clean(str(record), f"str() of {type(record).__name__}")


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda m: m.model.__name__
)
def test_admin_neither_lists_nor_searches_personal_fields(model_admin):
    columns = {str(c) for c in model_admin.list_display if isinstance(c, str)}
    searched = {s.lstrip("^=@").split("__")[-1] for s in model_admin.search_fields}
    if model_admin.model._meta.app_label == "auth":
        return  # staff accounts: their own names, not survivors'
    assert not columns & PERSONAL_FIELDS, f"{model_admin} lists {columns & PERSONAL_FIELDS}"
    assert not searched & PERSONAL_FIELDS, f"{model_admin} searches {searched & PERSONAL_FIELDS}"


def test_admin_case_form_does_not_edit_names_outside_the_case_file():
    case_admin = admin.site._registry[Case]
    assert {"given_name", "family_name", "phone", "address", "name_index"} <= set(
        case_admin.exclude
    )


OUR_APPS = ("cases.", "shelters.", "reintegration.", "outreach.", "reports.", "smf.")


def test_every_background_task_takes_ids_or_nothing():
    """A task's arguments sit in Redis and in worker logs: ids, never objects or names."""
    celery_app.loader.import_default_modules()
    ours = {n: t for n, t in celery_app.tasks.items() if n.startswith(OUR_APPS)}
    assert ours, "no task of ours is registered"
    for name, task in ours.items():
        parameters = [
            p for p in inspect.signature(task.run).parameters.values() if p.name != "self"
        ]
        for p in parameters:
            assert p.name.endswith("_id") and p.annotation in (int, "int"), (
                f"{name} takes {p.name}: {p.annotation} (tasks take integer ids only)"
            )


# --- accounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker_tom_dy",
        "center_manager_tom_dy",
        "reintegration_officer",
        "outreach_worker",
        "legal_officer",
        "director",
        "no_role_user",
    ],
)
def test_only_administrators_reach_the_django_admin(persona, request, client):
    user = request.getfixturevalue(persona)
    assert not user.is_staff and not user.is_superuser
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_lose_admin_access_when_the_role_is_removed(db):
    user = staff_create(username="was_admin", password=PASSWORD, roles=["administrator"])
    assert user.is_staff
    user = staff_create(username="was_admin", password=PASSWORD, roles=["social_worker"])
    assert not user.is_staff


# --- the admin is audited too ----------------------------------------------------------


def test_opening_a_case_record_in_the_admin_is_audited_and_changing_it_refused(world, login):
    """An administrator reads a case's particulars, consents and stays in the
    admin (each opening audited) but changes none of them, and never opens a
    note: she reads no kind of note (the product's matrix, in the admin too)."""
    client = login(world.users["administrator"])
    case = world.cases["td"]
    stay = case.stays.first()
    for model, obj in (
        ("cases.case", case),
        ("cases.consent", world.consent),
        ("shelters.stay", stay),
    ):
        app, name = model.split(".")
        response = client.get(reverse(f"admin:{app}_{name}_change", args=[obj.pk]))
        assert response.status_code == 200
        assert AuditLog.objects.filter(
            action="admin_view", case_code=case.code, details__model=model
        ).exists()
        _assert_clean(response.content.decode(), f"the admin page of a {model}")
    for note in world.notes.values():
        response = client.get(reverse("admin:cases_casenote_change", args=[note.pk]))
        assert response.status_code == 403
    assert not AuditLog.objects.filter(action="admin_view", details__model="cases.casenote")
    response = client.post(
        reverse("admin:cases_consent_change", args=[world.consent.pk]),
        {
            "case": case.pk,
            "purpose": world.consent.purpose,
            "given_on": "2011-01-11",
            "withdrawn_on": "",
            "recorded_by": "",
            "withdrawn_recorded_by": "",
        },
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:cases_consent_delete", args=[world.consent.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    world.consent.refresh_from_db()
    assert world.consent.given_on == date(2011, 1, 10)
    assert not AuditLog.objects.filter(action__in=("admin_change", "admin_delete")).exists()
