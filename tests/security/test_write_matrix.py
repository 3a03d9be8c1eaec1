"""The write matrix, walked: every write URL x every persona, then the admin.

For each URL whose rule (test_every_url.URL_RULES) is "form" or "post", every
persona POSTs a valid payload, one that the view accepts from whoever may write
there. Then:
- a writer (allowed, not a reader) gets the view's success answer and the
  database changed;
- a reader gets a 403, anyone else a 404 (she may not see the record), and
  nothing changed.
"Changed" compares a snapshot of every table but the audit log, the sessions
and the admin's log, taken after the login and after the request. A POST that
writes no record (the case list's search) is walked by a test of its own
(READ_ONLY_POSTS).

Each persona's attempt starts from the same fresh world: it runs inside a
savepoint that is rolled back afterwards (one world per URL keeps the walk fast).

The Django admin is walked the same way for the change forms of case records,
the outreach venues, centers (their staff), staff accounts and the audit log.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseNote, Consent, LegalCase
from outreach.models import Venue
from reintegration.models import FollowUpVisit, ReintegrationPlan, TeamCenter
from shelters import case_search
from shelters.models import Shelter, Stay
from smf.imports.models import ImportJob
from smf.staff.models import AuditLog
from smf.staff.roles import Role
from tests.conftest import PASSWORD
from tests.factories import staff_member

from .conftest import NAME, PERSONAS, World
from .test_every_url import (
    ADMIN,
    LEGAL,
    OUTREACH,
    REINT,
    SW_SR,
    SW_TD,
    URL_RULES,
)

SKIPPED_TABLES = {"staff.auditlog", "sessions.session", "admin.logentry"}


def snapshot() -> dict:
    """Every row of every table (many-to-many tables included) but the audit
    log, the sessions and the admin's log."""
    return {
        model._meta.label_lower: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in SKIPPED_TABLES
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def writers(url_name: str) -> frozenset:
    rule = URL_RULES[url_name]
    return rule.allowed - rule.readers


def _another_login_for_everyone(world: World) -> None:
    for user in world.users.values():
        Client().force_login(user)


# --- one valid payload per write URL ------------------------------------------------


@dataclass(frozen=True)
class Write:
    """data(world, persona) -> the POST data; prepare(world) readies the world
    (inside the savepoint, before the snapshot); success: the writer's status."""

    data: Callable[[World, str], dict]
    prepare: Callable[[World], None] | None = None
    success: int = 302


def _iso(d: date) -> str:
    return d.isoformat()


TODAY = timezone.localdate()


def _own_center(world: World, persona: str) -> int:
    """The center a registrar works at (Tom Dy for anyone who has none)."""
    user = world.users[persona]
    center = Shelter.objects.filter(staff__user=user).first()
    return (center or Shelter.objects.get(code="TD")).pk


def _close_td_stay(world: World) -> None:
    """td leaves Tom Dy, so that she may be admitted again."""
    Stay.objects.filter(case=world.cases["td"], left_on__isnull=True).update(
        left_on=date(2011, 6, 1), exit_reason=Stay.ExitReason.FAMILY
    )


def _td_reint_back_in_tom_dy_with_a_plan(world: World) -> None:
    """td_reint is back in Tom Dy (open stay) and has a plan: her reintegration
    can be recorded."""
    case = world.cases["td_reint"]
    Stay.objects.create(
        case=case, shelter=Shelter.objects.get(code="TD"), admitted_on=date(2013, 1, 1)
    )
    ReintegrationPlan.objects.create(
        case=case, pathway=ReintegrationPlan.Pathway.OWN_BUSINESS, officer=world.users[REINT]
    )


def _open_stay_version(world: World, key: str) -> int | None:
    stay = Stay.objects.filter(case=world.cases[key], left_on__isnull=True).first()
    return stay.version if stay else None


def _job_awaiting_confirmation(world: World) -> None:
    ImportJob.objects.filter(pk=world.import_job.pk).update(status=ImportJob.Status.VALID)


def _zip_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cases.csv", "code\n")
    return SimpleUploadedFile("records.zip", buffer.getvalue(), content_type="application/zip")


def _visit(world: World) -> dict:
    return {"version": FollowUpVisit.objects.get(pk=world.followup.pk).version}


CASE_DETAILS = {
    "given_name": "ZZEDITEDGIVEN",
    "family_name": "ZZEDITEDFAMILY",
    "sex": Case.Sex.FEMALE,
    "birth_year": "1996",
    "nationality": "Cambodian",
    "phone": "",
    "address": "",
    "intake_date": "2011-01-10",
    "referral_source": Case.ReferralSource.POLICE,
    "exploitation_type": Case.ExploitationType.LABOUR,
}

WRITES: dict[str, Write] = {
    # --- case work --------------------------------------------------------------
    "caseload:new": Write(
        lambda w, p: {
            **CASE_DETAILS,
            "given_name": "ZZNEWGIVEN",
            "family_name": "ZZNEWFAMILY",
            "intake_date": "2011-05-01",
            "center": _own_center(w, p),
            "admitted_on": "2011-05-01",
            "consent_data_processing": "on",
            "consent_given_on": "2011-05-01",
        }
    ),
    "cases:edit": Write(lambda w, p: {**CASE_DETAILS, "version": w.cases["td"].version}),
    # A family note: the one kind the reintegration officer writes too.
    "cases:note_add": Write(
        lambda w, p: {
            "kind": CaseNote.Kind.FAMILY,
            "confidentiality": CaseNote.Confidentiality.NORMAL,
            "written_on": "2011-05-01",
            "text": "Her mother called.",
        }
    ),
    "cases:consent_add": Write(
        lambda w, p: {"purpose": Consent.Purpose.PHOTOS, "given_on": "2011-02-01"}
    ),
    "cases:consent_withdraw": Write(
        lambda w, p: {"consent": w.consent.pk, "withdrawn_on": "2011-02-01"}
    ),
    "cases:legal_new": Write(
        lambda w, p: {"reference": "PP-CRIM-2012/5", "opened_on": "2012-03-01"},
    ),
    "cases:hearing_add": Write(
        lambda w, p: {
            "held_on": "2012-04-01",
            "court": "Phnom Penh Municipal Court",
            "stage": "trial",
            "note": "",
        }
    ),
    "cases:legal_outcome": Write(
        lambda w, p: {"outcome": LegalCase.Outcome.CONVICTION, "closed_on": "2012-05-01"}
    ),
    # --- center life ---------------------------------------------------------------
    "shelters:admit": Write(
        lambda w, p: {"case_code": w.cases["td_reint"].code, "admitted_on": "2013-01-01"}
    ),
    "shelters:activity_add": Write(
        lambda w, p: {
            "kind": "recreation",
            "title": "Picnic",
            "held_on": "2011-06-01",
            "notes": "",
            "participants": [w.cases["td"].code],
        }
    ),
    "shelters:activity": Write(
        lambda w, p: {
            "kind": w.activity.kind,
            "title": "Sewing circle, second year",
            "held_on": "2011-05-01",
            "notes": "",
            "participants": [w.cases["td"].code],
            "version": w.activity.version,
        }
    ),
    "shelters:case_admit": Write(
        lambda w, p: {"shelter": "TD", "admitted_on": "2011-07-01"}, prepare=_close_td_stay
    ),
    "shelters:case_transfer": Write(
        lambda w, p: {
            "to_shelter": "SR",
            "on": "2011-07-01",
            "version": _open_stay_version(w, "td"),
        }
    ),
    "shelters:case_discharge": Write(
        lambda w, p: {
            "left_on": "2011-07-01",
            "exit_reason": Stay.ExitReason.FAMILY,
            "version": _open_stay_version(w, "td"),
        }
    ),
    "shelters:education_add": Write(
        lambda w, p: {"course": "literacy", "started_on": "2011-04-01"}
    ),
    "shelters:training_add": Write(lambda w, p: {"trade": "weaving", "started_on": "2011-04-01"}),
    "shelters:internship_add": Write(
        lambda w, p: {"employer": "Guesthouse", "started_on": "2011-04-01", "ended_on": ""}
    ),
    "shelters:education_edit": Write(
        lambda w, p: {"version": w.education.version, "ended_on": "2011-09-01"}
    ),
    "shelters:training_edit": Write(
        lambda w, p: {
            "version": w.training.version,
            "completed_on": "2011-09-01",
            "certified_on": "",
            "certificate_number": "",
        }
    ),
    "shelters:internship_edit": Write(
        lambda w, p: {
            "version": w.internship.version,
            "employer": "Hotel",
            "ended_on": "2011-09-01",
        }
    ),
    # --- reintegration ---------------------------------------------------------------
    "reintegration:settings": Write(lambda w, p: {"interval_months": "4", "duration_months": "24"}),
    "reintegration:feed_token": Write(lambda w, p: {}),
    "reintegration:plan": Write(
        lambda w, p: {
            "pathway": ReintegrationPlan.Pathway.EMPLOYMENT,
            "officer": w.users[REINT].pk,
            "interval_months": "",
            "duration_months": "",
            "version": "",
        }
    ),
    "reintegration:reintegrate": Write(
        lambda w, p: {"left_on": "2013-06-01", "stay_version": _open_stay_version(w, "td_reint")},
        prepare=_td_reint_back_in_tom_dy_with_a_plan,
    ),
    "reintegration:support_add": Write(
        lambda w, p: {
            "kind": "startup_kit",
            "given_on": "2012-02-01",
            "amount": "300",
            "currency": "USD",
            "riel_per_usd": "",
            "details": "",
            "employer": "",
            "institution": "",
        }
    ),
    "reintegration:visit_add": Write(
        lambda w, p: {"due_on": _iso(TODAY + timedelta(days=30)), "assigned_to": w.users[REINT].pk}
    ),
    "reintegration:visit_record": Write(
        lambda w, p: {
            **_visit(w),
            "visited_on": _iso(TODAY),
            "visitor_role": FollowUpVisit.VisitorRole.SOCIAL_WORKER,
            "outcome": FollowUpVisit.Outcome.STABLE,
            "housing": "3",
            "income": "3",
            "health": "3",
            "safety": "3",
            "still_operating": "yes",
            "income_band": "",
            "needs_more_help": "no",
            "notes": "",
        }
    ),
    "reintegration:visit_reschedule": Write(
        lambda w, p: {
            **_visit(w),
            "due_on": "2030-02-01",
            "assigned_to": w.users[REINT].pk,
        }
    ),
    "reintegration:visit_cancel": Write(lambda w, p: {**_visit(w), "reason": "She moved abroad."}),
    # --- outreach, clinic, advocacy ---------------------------------------------------
    "outreach:venue_create": Write(
        lambda w, p: {
            "name": "Golden Karaoke",
            "kind": Venue.Kind.KARAOKE,
            "province": "Phnom Penh",
            "district": "",
            "access_notes": "",
            "active": "on",
        }
    ),
    "outreach:venue_edit": Write(
        lambda w, p: {
            "name": "Renamed venue",
            "kind": w.venue.kind,
            "province": w.venue.province,
            "district": "",
            "access_notes": "",
            "active": "on",
        }
    ),
    "outreach:visit_create": Write(
        lambda w, p: {
            "venue": w.venue.code,
            "visited_on": "2011-06-01",
            "team": "",
            "contacts": "12",
            "clients_educated": "2",
            "condoms": "50",
            "soaps": "5",
        }
    ),
    "outreach:supply_receive": Write(
        lambda w, p: {
            "item": w.supply_item.pk,
            "received_on": "2011-06-01",
            "quantity": "100",
            "source": "",
        }
    ),
    "outreach:supply_item_create": Write(
        lambda w, p: {"name": "Masks", "unit": "box", "low_stock_threshold": "5"}
    ),
    "outreach:supply_item_edit": Write(lambda w, p: {"low_stock_threshold": "20", "active": "on"}),
    "outreach:clinic_create": Write(
        lambda w, p: {
            "client_code": w.clinic_code,
            "visited_on": "2011-06-01",
            "service": "consultation",
            "std_result": "",
            "treatment": "",
            "team": "",
        }
    ),
    "outreach:meeting_create": Write(
        lambda w, p: {
            "held_on": "2011-06-01",
            "title": "Referral protocol",
            "counterpart": "government",
            "counterpart_name": "",
            "agreement": "",
            "team": "",
        }
    ),
    "outreach:event_create": Write(
        lambda w, p: {"held_on": "2011-06-01", "title": "Walk", "participants": "40", "team": ""}
    ),
    "outreach:activity_create": Write(
        lambda w, p: {
            "kind": "police_training",
            "title": "Victim identification",
            "held_on": "2011-06-01",
            "ended_on": "",
            "participants": "25",
            "team": "",
        }
    ),
    # --- reports and the bulk import -----------------------------------------------
    "reports:request": Write(
        lambda w, p: {"year": "2011", "language": "en", "variant": "internal"}
    ),
    "reports:import_upload": Write(lambda w, p: {"archive": _zip_upload()}),
    "reports:import_confirm": Write(lambda w, p: {}, prepare=_job_awaiting_confirmation),
    # --- one's own account: everyone changes her own password ----------------------
    "password_change": Write(
        lambda w, p: {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        }
    ),
    # ... and ends her other logins (each persona has one more, made by prepare).
    "staff:session_end": Write(lambda w, p: {}),
    "staff:sessions_end_others": Write(lambda w, p: {}, prepare=_another_login_for_everyone),
}

# POSTs that write no record, so that the matrix has no change to look for (a
# success that changed nothing is a failure there): each is walked by its own
# test, named here, for every persona, the refusals included.
READ_ONLY_POSTS = {
    # The search box posts so that a survivor's name stays out of the address:
    # the text is kept in the poster's own session (shelters.case_search), a
    # table the snapshot skips, and the answer is a redirect with its key.
    "caseload:list": "test_a_case_search_writes_no_record",
}

WRITE_URLS = sorted(
    name
    for name, rule in URL_RULES.items()
    if rule.method in ("form", "post") and name not in READ_ONLY_POSTS
)


def test_every_write_url_is_walked():
    """A write URL added to URL_RULES without a payload here fails: give it one."""
    assert set(WRITES) == set(WRITE_URLS)
    for name in WRITE_URLS:
        assert writers(name), f"{name}: nobody may write there"
    for name in READ_ONLY_POSTS:
        assert URL_RULES[name].method in ("form", "post"), f"{name} takes no POST"


def _attempt(world: World, url_name: str, persona: str) -> str | None:
    """One persona's POST; a description of what went wrong, or None."""
    rule, write = URL_RULES[url_name], WRITES[url_name]
    if write.prepare:
        write.prepare(world)
    url = reverse(url_name, kwargs=rule.kwargs(world))
    client = Client()
    client.force_login(world.users[persona])
    before = snapshot()
    response = client.post(url, write.data(world, persona))
    changed = changed_tables(before, snapshot())
    status = response.status_code
    if persona in writers(url_name):
        if status != write.success:
            body = response.content[:600] if status != 302 else response["Location"]
            return f"writer got {status} (wanted {write.success}): {body!r}"
        if not changed:
            return f"writer got {status} but nothing was written"
        return None
    wanted = 403 if persona in rule.readers else 404
    if status != wanted:
        return f"got {status} (wanted {wanted}); changed: {changed}"
    if changed:
        return f"refused with {status} but wrote {changed}"
    return None


@pytest.mark.parametrize("url_name", WRITE_URLS)
def test_write_matrix(url_name, world):
    """Writers write; readers get a 403, everyone else a 404; refusals write nothing."""
    failures, walked = [], []
    for persona in PERSONAS:
        try:
            with transaction.atomic():
                problem = _attempt(world, url_name, persona)
                transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - reported with the persona
            problem = f"raised {type(error).__name__}: {error}"
        walked.append(persona)
        if problem:
            failures.append(f"{persona}: {problem}")
    assert walked == list(PERSONAS)  # the loop ran for every persona
    assert not failures, f"{url_name}:\n" + "\n".join(failures)


def test_a_case_search_writes_no_record(world):
    """Who may open the case list is sent back to it with the search's key, the
    text kept in her own session only; anyone else gets a 404 and keeps
    nothing. Nobody's search changes a table."""
    allowed = URL_RULES["caseload:list"].allowed
    failures, walked = [], []
    for persona in PERSONAS:
        client = Client()
        client.force_login(world.users[persona])
        before = snapshot()
        response = client.post(reverse("caseload:list"), {"q": " ".join(NAME["td"])})
        changed = changed_tables(before, snapshot())
        searches = client.session.get(case_search.SESSION_KEY, {})
        status = response.status_code
        walked.append(persona)
        if changed:
            failures.append(f"{persona}: got {status} and wrote {changed}")
        if persona not in allowed:
            if status != 404 or searches:
                failures.append(f"{persona}: got {status} (wanted 404), kept {len(searches)}")
            continue
        location = response.get("Location", "") if status == 302 else ""
        key = parse_qs(urlsplit(location).query).get("search", [""])[0]
        if key not in searches or NAME["td"][0] in location:
            failures.append(f"{persona}: got {status} to {location!r}, kept {len(searches)}")
    assert walked == list(PERSONAS)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "persona,case_key,kind",
    [
        (REINT, "td", CaseNote.Kind.COUNSELLING),
        (REINT, "td", CaseNote.Kind.EDUCATION),
        (LEGAL, "td_legal", CaseNote.Kind.COUNSELLING),
        (LEGAL, "td_legal", CaseNote.Kind.FAMILY),
    ],
)
def test_a_note_of_a_kind_she_may_not_write_is_refused(persona, case_key, kind, world, login):
    """She writes some kind of note (so the form opens) but not this kind: 400."""
    client = login(world.users[persona])
    case = world.cases[case_key]
    before = snapshot()
    response = client.post(
        reverse("cases:note_add", args=[case.code]),
        {"kind": kind, "confidentiality": "normal", "written_on": "2011-05-01", "text": "x"},
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_the_legal_officer_writes_a_legal_note(world, login):
    client = login(world.users[LEGAL])
    case = world.cases["td_legal"]
    response = client.post(
        reverse("cases:note_add", args=[case.code]),
        {"kind": "legal", "confidentiality": "normal", "written_on": "2011-05-01", "text": "x"},
    )
    assert response.status_code == 302
    assert case.notes.filter(kind="legal", author=world.users[LEGAL]).exists()


# --- the center she is in decides ------------------------------------------------------


def _sr_now_in_tom_dy(world: World):
    """sr was transferred from Siem Reap to Tom Dy: the Siem Reap social worker
    still sees her file, but Tom Dy decides where she goes next."""
    case = world.cases["sr"]
    Stay.objects.filter(case=case).update(
        left_on=date(2011, 6, 1), exit_reason=Stay.ExitReason.TRANSFERRED
    )
    return case, Stay.objects.create(
        case=case, shelter=Shelter.objects.get(code="TD"), admitted_on=date(2011, 6, 1)
    )


def test_only_the_center_she_is_in_transfers_or_discharges_her(world, login):
    case, stay = _sr_now_in_tom_dy(world)
    client = login(world.users[SW_SR])
    assert client.get(reverse("cases:file", args=[case.code])).status_code == 200
    before = snapshot()
    transfer = {"to_shelter": "SR", "on": "2011-07-01", "version": stay.version}
    response = client.post(reverse("shelters:case_transfer", args=[case.code]), transfer)
    assert response.status_code == 403
    discharge = {"left_on": "2011-07-01", "exit_reason": "family", "version": stay.version}
    response = client.post(reverse("shelters:case_discharge", args=[case.code]), discharge)
    assert response.status_code == 403
    assert snapshot() == before
    # The control: Tom Dy's social worker may.
    client = login(world.users[SW_TD])
    response = client.post(reverse("shelters:case_discharge", args=[case.code]), discharge)
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.left_on == date(2011, 7, 1)


def test_only_the_team_serving_her_center_records_her_reintegration(world, login):
    """The officer follows a Siem Reap resident (her plan names her) but her team
    does not serve Siem Reap: she may not end that stay."""
    case = world.cases["sr"]
    officer = world.users[REINT]
    ReintegrationPlan.objects.create(
        case=case, pathway=ReintegrationPlan.Pathway.EMPLOYMENT, officer=officer
    )
    client = login(officer)
    assert client.get(reverse("reintegration:case", args=[case.code])).status_code == 200
    stay = Stay.objects.get(case=case, left_on__isnull=True)
    data = {"left_on": "2012-01-01", "stay_version": stay.version}
    before = snapshot()
    response = client.post(reverse("reintegration:reintegrate", args=[case.code]), data)
    assert response.status_code == 403
    assert snapshot() == before
    # The control: once her team serves Siem Reap, she may.
    TeamCenter.objects.create(team=world.team, center=Shelter.objects.get(code="SR"))
    response = client.post(reverse("reintegration:reintegrate", args=[case.code]), data)
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.exit_reason == Stay.ExitReason.REINTEGRATED


# --- the Django admin ------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    """A superuser without any role: she must get no more than an administrator."""
    return User.objects.create_user(
        username="root", password=PASSWORD, is_staff=True, is_superuser=True
    )


def _change_url(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def _admin_records(world: World) -> dict:
    """model label -> a record of the world, for the change forms walked below."""
    return {
        "cases.case": world.cases["td"],
        "cases.consent": world.consent,
        "cases.casenote": world.notes["td_restricted"],
        "cases.legalcase": world.legal_case,
        "shelters.stay": world.cases["td"].stays.first(),
        "outreach.venue": world.venue,
        "shelters.shelter": Shelter.objects.get(code="TD"),
        "auth.user": world.users[SW_TD],
        "staff.auditlog": AuditLog.objects.order_by("id").first(),
    }


ADMIN_PERSONAS = ("administrator", "superuser")


def _admin_client(world, request, who) -> Client:
    user = world.users[ADMIN] if who == "administrator" else request.getfixturevalue("superuser")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != ADMIN])
def test_only_staff_open_the_admin_or_any_change_form(persona, world):
    """Nobody but administrators (is_staff) gets past the admin's login, on any page."""
    client = Client()
    client.force_login(world.users[persona])
    urls = ["/admin/"] + [
        _change_url(record._meta.model, record.pk) for record in _admin_records(world).values()
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, f"{persona} {method.upper()} {url}"
            assert response["Location"].startswith("/admin/login/"), url
    assert not world.users[persona].is_staff


def test_follow_ups_and_plans_have_no_admin_pages():
    """Reintegration records are written only through the product's pages."""
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert "reintegration.followupvisit" not in registered
    assert "reintegration.reintegrationplan" not in registered


@pytest.mark.parametrize("who", ADMIN_PERSONAS)
def test_the_administrator_changes_no_case_record_in_the_admin(who, world, request):
    """Case records, venues and the audit log: read (or not even that), never changed."""
    client = _admin_client(world, request, who)
    records = _admin_records(world)
    for label in (
        "cases.case",
        "cases.consent",
        "cases.casenote",
        "cases.legalcase",
        "shelters.stay",
        "outreach.venue",
        "staff.auditlog",
    ):
        record = records[label]
        url = _change_url(record._meta.model, record.pk)
        page = client.get(url)
        if page.status_code == 200:  # read-only: no save button
            assert not page.context["has_change_permission"], f"{who} may change {label}"
            assert b'name="_save"' not in page.content, f"{who} sees a save button on {label}"
        else:
            assert page.status_code == 403, f"{who} GET {label}: {page.status_code}"
        before = snapshot()
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 403, f"{who} POST {label}: {response.status_code}"
        assert snapshot() == before, f"{who} changed {label}"
        delete = reverse(
            f"admin:{record._meta.app_label}_{record._meta.model_name}_delete", args=[record.pk]
        )
        assert client.post(delete, {"post": "yes"}).status_code == 403, f"{who} deletes {label}"
        assert snapshot() == before


@pytest.mark.parametrize("who", ADMIN_PERSONAS)
def test_the_administrator_reads_no_note_in_the_admin(who, world, request):
    """She reads no kind of note: the CaseNote changelist and change forms are closed."""
    client = _admin_client(world, request, who)
    assert client.get(reverse("admin:cases_casenote_changelist")).status_code == 403
    for note in world.notes.values():
        assert client.get(_change_url(CaseNote, note.pk)).status_code == 403


def test_an_administrator_who_is_also_a_social_worker_lists_no_restricted_note_of_another(world):
    """With a role that reads notes, the changelist lists what the case file would
    show her: not a restricted note by someone else (the restricted rule holds in
    the admin, administrators included)."""
    user = staff_member(
        username="admin_sw",
        password=PASSWORD,
        roles=[Role.ADMINISTRATOR, Role.SOCIAL_WORKER],
        centers=[Shelter.objects.get(code="TD")],
    )
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:cases_casenote_changelist"))
    assert response.status_code == 200
    listed = {note.pk for note in response.context["cl"].result_list}
    assert world.notes["td_counselling"].pk in listed  # the control: she reads notes
    assert world.notes["td_restricted"].pk not in listed
    assert client.get(_change_url(CaseNote, world.notes["td_restricted"].pk)).status_code != 200


def _user_form_data(response) -> dict:
    """The admin's user change form as it stands, ready to post back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        widget = field.widget
        if hasattr(widget, "widgets"):  # date_joined: a date and a time
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for index, part in enumerate(parts):
                data[f"{name}_{index}"] = "" if part is None else str(part)
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
            continue
        data[name] = "" if value is None else str(value)
    return data


@pytest.mark.parametrize("who", ADMIN_PERSONAS)
def test_role_changes_in_the_admin_are_audited(who, world, request):
    """Giving the outreach worker the director's role and taking hers away: one
    role_grant and one role_remove line, naming the staff member and the roles."""
    client = _admin_client(world, request, who)
    actor = world.users[ADMIN] if who == "administrator" else request.getfixturevalue("superuser")
    target = world.users[OUTREACH]
    url = _change_url(User, target.pk)
    page = client.get(url)
    assert page.status_code == 200
    data = _user_form_data(page)
    data["groups"] = [str(Group.objects.get(name=Role.DIRECTOR).pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert set(target.groups.values_list("name", flat=True)) == {Role.DIRECTOR}
    grant = AuditLog.objects.get(action="role_grant", details__staff=target.pk, user=actor)
    assert grant.details == {"staff": target.pk, "role": [Role.DIRECTOR]}
    assert grant.user == actor
    remove = AuditLog.objects.get(action="role_remove", details__staff=target.pk, user=actor)
    assert remove.details == {"staff": target.pk, "role": [Role.OUTREACH_WORKER]}
    assert remove.user == actor


@pytest.mark.parametrize("who", ADMIN_PERSONAS)
def test_nobody_changes_her_own_groups_in_the_admin(who, world, request):
    client = _admin_client(world, request, who)
    me = world.users[ADMIN] if who == "administrator" else request.getfixturevalue("superuser")
    before = set(me.groups.values_list("name", flat=True))
    url = _change_url(User, me.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert "groups" not in page.context["adminform"].form.fields  # shown read-only
    data = _user_form_data(page)
    data["groups"] = [str(Group.objects.get(name=Role.CENTER_MANAGER).pk)]
    data["is_superuser"] = "on"
    response = client.post(url, data)
    assert response.status_code in (302, 403)
    me.refresh_from_db()
    assert set(me.groups.values_list("name", flat=True)) == before
    assert me.is_superuser == (who == "superuser")
    assert not AuditLog.objects.filter(
        action__in=("role_grant", "role_remove"), details__staff=me.pk, user=me
    ).exists()


@pytest.mark.parametrize("who", ADMIN_PERSONAS)
def test_center_staff_changes_in_the_admin_are_audited(who, world, request):
    """Centers are the administrator's to set up: adding a social worker to Tom
    Dy's staff (which opens its residents' files to her) is audited."""
    client = _admin_client(world, request, who)
    center = Shelter.objects.get(code="TD")
    url = _change_url(Shelter, center.pk)
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    newcomer = world.users[SW_SR].staff_profile
    data["staff"] = [str(pk) for pk in [*center.staff.values_list("pk", flat=True), newcomer.pk]]
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert AuditLog.objects.filter(
        action="center_grant", details__staff=world.users[SW_SR].pk
    ).exists()


def test_a_superuser_gets_no_more_than_an_administrator_in_the_admin(world, superuser):
    """Every registered admin answers a superuser's permission questions exactly
    as an administrator's."""
    factory = RequestFactory()
    as_admin, as_root = factory.get("/admin/"), factory.get("/admin/")
    as_admin.user, as_root.user = world.users[ADMIN], superuser
    differences = []
    for model, model_admin in admin.site._registry.items():
        for check in ("has_module_permission", "has_view_permission", "has_add_permission"):
            a, r = getattr(model_admin, check)(as_admin), getattr(model_admin, check)(as_root)
            if a != r:
                differences.append(f"{model._meta.label} {check}: admin {a}, superuser {r}")
        for check in ("has_change_permission", "has_delete_permission"):
            a, r = getattr(model_admin, check)(as_admin), getattr(model_admin, check)(as_root)
            if a != r:
                differences.append(f"{model._meta.label} {check}: admin {a}, superuser {r}")
    assert not differences, "\n".join(differences)
