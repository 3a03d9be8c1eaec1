"""Every URL of the product, requested by every persona who should not open it.

URL_RULES classifies each named URL: who gets through (`allowed`), who among
them only reads (`readers`: a POST is a 403), and how the view is called. Anyone
else gets a 404, never a 403 or another tell-tale answer; an anonymous visitor
is sent to the login page. A URL that is added without being classified here
fails `test_every_url_is_classified`: decide who may open it, then add it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from smf.staff.models import StaffSession

from .conftest import NAME, NOTES, PERSONAS, World

SW_TD = "social_worker_tom_dy"
SW_SR = "social_worker_siem_reap"
CM_TD = "center_manager_tom_dy"
REINT = "reintegration_officer"
OUTREACH = "outreach_worker"
LEGAL = "legal_officer"
DIRECTOR = "director"
ADMIN = "administrator"
NOBODY = "no_role_user"

EVERYONE = frozenset(PERSONAS)
CASE_STAFF = frozenset({SW_TD, SW_SR, CM_TD, REINT, LEGAL, DIRECTOR, ADMIN})
# Who sees the Tom Dy cases and reads their file, center life and reintegration
# (the reintegration officer: her team serves Tom Dy).
TOM_DY = frozenset({SW_TD, CM_TD, REINT, DIRECTOR, ADMIN})
TOM_DY_WRITERS = frozenset({SW_TD, CM_TD})
# Of TOM_DY, who reads the identity, consents and center life but writes none.
TOM_DY_READERS = TOM_DY - TOM_DY_WRITERS
LEGAL_READERS = frozenset({SW_TD, CM_TD, LEGAL, DIRECTOR, ADMIN})
LEGAL_READ_ONLY = LEGAL_READERS - {LEGAL}
REINT_READ_ONLY = TOM_DY - {REINT}
AGENDA = frozenset({REINT, DIRECTOR, ADMIN})
OUTREACH_STAFF = frozenset({OUTREACH, DIRECTOR, ADMIN})
OUTREACH_READ_ONLY = frozenset({DIRECTOR, ADMIN})
REPORTS = frozenset({DIRECTOR, ADMIN})
# Intake: identity and center life written, and a center of her own.
REGISTRARS = frozenset({SW_TD, SW_SR, CM_TD})

# Which world cases each persona may see (written out, not computed through
# the access modules: these tests check them).
SEES = {
    SW_TD: {"td", "td_legal", "td_reint"},
    CM_TD: {"td", "td_legal", "td_reint"},
    SW_SR: {"sr"},
    REINT: {"td", "td_legal", "td_reint"},
    LEGAL: {"td_legal"},
    OUTREACH: set(),
    NOBODY: set(),
    DIRECTOR: set(NAME),
    ADMIN: set(NAME),
    None: set(),
}

# Which world notes (conftest.NOTES) each persona may read: counselling notes
# are center staff's and directors'; a restricted note its author's and center
# managers'; legal notes the legal officer's too. Administrators read none.
NOTE_READERS = {
    "td_counselling": {SW_TD, CM_TD, DIRECTOR},
    "td_restricted": {SW_TD, CM_TD},
    "td_legal_legal": {SW_TD, CM_TD, LEGAL, DIRECTOR},
    "td_legal_counselling": {SW_TD, CM_TD, DIRECTOR},
}


@dataclass(frozen=True)
class Rule:
    """How one URL is called and who may open it.

    method: "get" (read only), "form" (GET shows, POST writes) or "post" (POST only).
    allowed: personas who get through; everyone else is refused with a 404.
    readers: allowed personas who may read but not write: their POST is a 403.
    The others of `allowed` write (for a "form" or "post" URL).
    """

    kwargs: Callable[[World], dict]
    allowed: frozenset
    method: str = "get"
    readers: frozenset = frozenset()


def _none(w: World) -> dict:
    return {}


def _td(w: World) -> dict:
    return {"code": w.cases["td"].code}


def _td_case_code(w: World) -> dict:
    return {"case_code": w.cases["td"].code}


def _reint(w: World) -> dict:
    return {"code": w.cases["td_reint"].code}


def _legal(w: World) -> dict:
    return {"reference": w.legal_case.reference}


def _visit(w: World) -> dict:
    return {"uuid": w.followup.uuid}


def _center(w: World) -> dict:
    return {"code": "TD"}


def _td_legal(w: World) -> dict:
    return {"code": w.cases["td_legal"].code}


def _other_login_of_sw_td(w: World) -> dict:
    """A login of the Tom Dy social worker's, made elsewhere than in the test's client."""
    Client().force_login(w.users[SW_TD])
    return {"uuid": StaffSession.objects.filter(user=w.users[SW_TD]).latest("id").uuid}


URL_RULES: dict[str, Rule] = {
    # --- start page and case work -------------------------------------------
    "home": Rule(_none, EVERYONE),
    # The list's search box posts (the text stays out of the address).
    "caseload:list": Rule(_none, CASE_STAFF, "form"),
    "caseload:export": Rule(_none, CASE_STAFF),
    "caseload:new": Rule(_none, REGISTRARS, "form"),
    "cases:audit_user": Rule(_none, REPORTS),
    "cases:audit_case": Rule(_td, REPORTS),
    "cases:legal_list": Rule(_none, frozenset({SW_TD, SW_SR, CM_TD, LEGAL, DIRECTOR, ADMIN})),
    "cases:legal_detail": Rule(_legal, LEGAL_READERS),
    "cases:hearing_add": Rule(_legal, LEGAL_READERS, "post", LEGAL_READ_ONLY),
    "cases:legal_outcome": Rule(_legal, LEGAL_READERS, "post", LEGAL_READ_ONLY),
    "cases:file": Rule(_td, TOM_DY),
    "cases:edit": Rule(_td, TOM_DY, "form", TOM_DY_READERS),
    # The reintegration officer writes family notes; directors and
    # administrators write no kind of note.
    "cases:note_add": Rule(_td, TOM_DY, "post", frozenset({DIRECTOR, ADMIN})),
    "cases:consent_add": Rule(_td, TOM_DY, "post", TOM_DY_READERS),
    "cases:consent_withdraw": Rule(_td, TOM_DY, "post", TOM_DY_READERS),
    # On the case with a legal case, the one the legal officer sees. Center
    # staff open a legal case to refer her to the legal team.
    "cases:legal_new": Rule(_td_legal, LEGAL_READERS, "form", frozenset({DIRECTOR, ADMIN})),
    # --- centers: the reintegration officer reads Tom Dy, her team serves it ---
    "shelters:list": Rule(_none, EVERYONE),
    "shelters:detail": Rule(_center, TOM_DY),
    "shelters:admit": Rule(_center, TOM_DY, "form", TOM_DY_READERS),
    "shelters:activity_add": Rule(_center, TOM_DY, "form", TOM_DY_READERS),
    "shelters:activity": Rule(
        lambda w: {"code": "TD", "uuid": w.activity.uuid}, TOM_DY, "form", TOM_DY_READERS
    ),
    "shelters:case_center": Rule(_td_case_code, TOM_DY),
    **{
        f"shelters:{name}": Rule(_td_case_code, TOM_DY, "form", TOM_DY_READERS)
        for name in (
            "case_admit",
            "case_transfer",
            "case_discharge",
            "education_add",
            "training_add",
            "internship_add",
        )
    },
    "shelters:education_edit": Rule(
        lambda w: {"case_code": w.cases["td"].code, "uuid": w.education.uuid},
        TOM_DY,
        "form",
        TOM_DY_READERS,
    ),
    "shelters:training_edit": Rule(
        lambda w: {"case_code": w.cases["td"].code, "uuid": w.training.uuid},
        TOM_DY,
        "form",
        TOM_DY_READERS,
    ),
    "shelters:internship_edit": Rule(
        lambda w: {"case_code": w.cases["td"].code, "uuid": w.internship.uuid},
        TOM_DY,
        "form",
        TOM_DY_READERS,
    ),
    # --- reintegration -------------------------------------------------------------
    "reintegration:agenda": Rule(_none, AGENDA),
    "reintegration:calendar": Rule(_none, AGENDA),
    "reintegration:team": Rule(_none, AGENDA),
    "reintegration:settings": Rule(_none, frozenset({ADMIN}), "form"),
    "reintegration:feed_settings": Rule(_none, AGENDA),
    # Her own calendar address: whoever reads the agenda sets her own.
    "reintegration:feed_token": Rule(_none, AGENDA, "post"),
    "reintegration:case": Rule(_reint, TOM_DY),
    **{
        f"reintegration:{name}": Rule(_reint, TOM_DY, "form", REINT_READ_ONLY)
        for name in ("plan", "reintegrate", "support_add", "visit_add")
    },
    **{
        f"reintegration:{name}": Rule(_visit, TOM_DY, "form", REINT_READ_ONLY)
        for name in ("visit_record", "visit_reschedule", "visit_cancel")
    },
    # --- outreach, clinic, advocacy: administrators only read ------------------------
    **{
        f"outreach:{name}": Rule(_none, OUTREACH_STAFF)
        for name in (
            "index",
            "venues",
            "visits",
            "supplies",
            "clinic",
            "meetings",
            "events",
            "activities",
            "totals",
        )
    },
    **{
        f"outreach:{name}": Rule(_none, OUTREACH_STAFF, "form", OUTREACH_READ_ONLY)
        for name in (
            "venue_create",
            "visit_create",
            "supply_receive",
            "supply_item_create",
            "clinic_create",
            "meeting_create",
            "event_create",
            "activity_create",
        )
    },
    "outreach:venue_edit": Rule(
        lambda w: {"code": w.venue.code}, OUTREACH_STAFF, "form", OUTREACH_READ_ONLY
    ),
    "outreach:supply_item_edit": Rule(
        lambda w: {"code": w.supply_item.code}, OUTREACH_STAFF, "form", OUTREACH_READ_ONLY
    ),
    "outreach:clinic_client": Rule(lambda w: {"code": w.clinic_code}, OUTREACH_STAFF),
    # --- reports and the bulk import ----------------------------------------------
    "reports:index": Rule(_none, REPORTS),
    "reports:request": Rule(_none, REPORTS, "post"),
    "reports:status": Rule(_none, REPORTS),
    "reports:download": Rule(lambda w: {"report_uuid": w.report.uuid}, REPORTS),
    "reports:figures_csv": Rule(lambda w: {"year": 2011}, REPORTS),
    "reports:figure_records": Rule(lambda w: {"year": 2011, "key": "followup.survivors"}, REPORTS),
    "reports:version_changes": Rule(lambda w: {"report_uuid": w.report.uuid}, REPORTS),
    "reports:version_figure_changes": Rule(
        lambda w: {"report_uuid": w.report.uuid, "key": "followup.survivors"}, REPORTS
    ),
    "reports:import_upload": Rule(_none, frozenset({ADMIN}), "form"),
    "reports:import_detail": Rule(lambda w: {"job_uuid": w.import_job.uuid}, frozenset({ADMIN})),
    "reports:import_status": Rule(lambda w: {"job_uuid": w.import_job.uuid}, frozenset({ADMIN})),
    "reports:import_confirm": Rule(
        lambda w: {"job_uuid": w.import_job.uuid}, frozenset({ADMIN}), "post"
    ),
    # --- administration -------------------------------------------------------------
    "staff:who_may_do_what": Rule(_none, REPORTS),
    # --- one's own account: every staff member changes her own password ---------------
    "password_change": Rule(_none, EVERYONE, "form"),
    # ... and sees and ends her own logins; another's login is a 404 to everyone else.
    "staff:sessions": Rule(_none, EVERYONE),
    "staff:sessions_end_others": Rule(_none, EVERYONE, "post"),
    "staff:session_end": Rule(_other_login_of_sw_td, frozenset({SW_TD}), "post"),
    # ... and her own two-factor sign-in (its writes: tests/staff/test_two_factor.py).
    **{
        f"two_factor:{name}": Rule(_none, EVERYONE)
        for name in ("profile", "setup", "setup_complete", "backup_tokens", "disable")
    },
}

# Open without a login, each for a reason; each has its own test below or elsewhere.
PUBLIC_URLS = {
    "login": "the login form",
    "logout": "POST only; ends the session",
    "set_language": "Django's language switch; checks `next` itself",
    "healthz": "container health check; names only which checks passed",
    "reintegration:feed": "calendar feed: the secret token is the credential (test_feed_*)",
    "admin_password_change": "the admin's link, redirected to password_change (login required)",
    "admin_login": "the admin's sign-in, redirected to login (with its second factor)",
    "two_factor:qr": "login required; her own enrolment's QR code, a 404 unless she is enrolling"
    " (tests/staff/test_two_factor.py)",
}


def _walk(resolver: URLResolver, namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            if ns == "admin":
                continue  # the Django admin: test_write_matrix.py and test_leaks.py
            yield from _walk(pattern, ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            yield (f"{namespace}:{name}" if namespace and name else name), pattern


def _url_names() -> set[str]:
    names = set()
    for name, pattern in _walk(get_resolver()):
        if name is None:
            # Only django.contrib.staticfiles' pattern (DEBUG) has no name.
            assert "static" in str(pattern.pattern), f"unnamed URL pattern {pattern.pattern}"
            continue
        names.add(name)
    return names


def test_every_url_is_classified():
    unclassified = _url_names() - set(URL_RULES) - set(PUBLIC_URLS)
    assert not unclassified, (
        "New URLs without an access rule in tests/security/test_every_url.py: "
        f"{sorted(unclassified)}. Add each to URL_RULES (who may open it) or PUBLIC_URLS."
    )
    stale = (set(URL_RULES) | set(PUBLIC_URLS)) - _url_names()
    assert not stale, f"URL_RULES names URLs that no longer exist: {sorted(stale)}"


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _assert_no_leak(response, persona: str | None, world: World, label: str) -> None:
    """No name, code or note of a case this persona may not see, in any answer
    (the page's own address, echoed by the language switch, aside)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8", errors="replace")
    body = body.replace(response.wsgi_request.path, "")
    for key, case in world.cases.items():
        if key in SEES[persona]:
            continue
        for secret in (*NAME[key], case.code):
            assert secret not in body, f"{label}: {persona} was shown {secret!r}"
    for key, readers in NOTE_READERS.items():
        if persona not in readers:
            text = NOTES[key][4]
            assert text not in body, f"{label}: {persona} was shown the note {key}"


@pytest.mark.parametrize("url_name", sorted(URL_RULES))
def test_url_refuses_who_may_not_open_it(url_name, world):
    rule = URL_RULES[url_name]
    url = reverse(url_name, kwargs=rule.kwargs(world))

    # Anonymous: the login page, for every method.
    anonymous = _client_for(None)
    for method in ("get", "post"):
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302, f"anonymous {method.upper()} {url}"
        assert response["Location"].startswith(reverse("login")), url

    for persona in PERSONAS:
        client = _client_for(world.users[persona])
        label = f"{persona} {url}"
        if persona not in rule.allowed:
            if rule.method != "post":
                response = client.get(url)
                assert response.status_code == 404, f"GET {label}: {response.status_code}"
                _assert_no_leak(response, persona, world, label)
            if rule.method != "get":
                response = client.post(url)
                assert response.status_code == 404, f"POST {label}: {response.status_code}"
                _assert_no_leak(response, persona, world, label)
            continue
        # A positive control: the world is real enough for the allowed to get in,
        # so that the 404s above are refusals, not missing records.
        response = client.post(url) if rule.method == "post" else client.get(url)
        refused = {404, 500} if persona in rule.readers else {403, 404, 500}
        assert response.status_code not in refused, f"{label}: {response.status_code}"
        _assert_no_leak(response, persona, world, label)
        if persona in rule.readers:
            response = client.post(url)
            assert response.status_code == 403, f"reader POST {label}: {response.status_code}"


def test_notes_are_shown_to_those_who_read_them(world):
    """The control for the leak checks: each note's text is in the case file of
    everyone who may read it (and of no one else)."""
    for persona in PERSONAS:
        client = _client_for(world.users[persona])
        pages = {}
        for key, (case_key, *_rest, text) in NOTES.items():
            if case_key not in SEES[persona]:
                continue
            if case_key not in pages:
                url = reverse("cases:file", args=[world.cases[case_key].code])
                pages[case_key] = client.get(url).content.decode()
            shown = text in pages[case_key]
            assert shown == (persona in NOTE_READERS[key]), f"{persona}, note {key}: {shown}"


def _page_text(response) -> str:
    """The page without its own address and without per-request tokens."""
    body = response.content.decode().replace(response.wsgi_request.path, "")
    return re.sub(r'value="[^"]{32,}"', 'value=""', body)


@pytest.mark.parametrize(
    "hidden,missing",
    [
        (lambda w: reverse("cases:file", args=["TD-2011-0001"]), "/cases/TD-2099-9999/"),
        (
            lambda w: reverse("cases:legal_detail", args=[w.legal_case.reference]),
            "/cases/legal/NO-SUCH-REF/",
        ),
        (
            lambda w: reverse("reintegration:visit_record", args=[w.followup.uuid]),
            "/reintegration/visits/00000000-0000-0000-0000-000000000000/record/",
        ),
        (lambda w: reverse("shelters:detail", args=["TD"]), "/centers/XX/"),
        (
            lambda w: reverse("shelters:education_edit", args=["TD-2011-0001", w.education.uuid]),
            "/centers/cases/TD-2099-9999/education/00000000-0000-0000-0000-000000000000/",
        ),
    ],
)
def test_hidden_record_answers_exactly_like_a_missing_one(world, hidden, missing):
    """A Siem Reap social worker cannot tell a Tom Dy record from no record."""
    client = _client_for(world.users[SW_SR])
    a, b = client.get(hidden(world)), client.get(missing)
    assert a.status_code == b.status_code == 404
    assert _page_text(a) == _page_text(b)
