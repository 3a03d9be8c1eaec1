"""Her logins ("Your sessions", /staff/sessions/): every staff member sees her
own, with this one marked, and ends the others, one by one or all at once;
changing her password and being deactivated end them too; a timeout or an
expiry removes them. Ending one is audited, never with the session key.

Log-ins go through the real login form (a POST to /login/) with a browser's
User-Agent and an address, as in test_signin.py."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.translations import compile_catalogues
from smf.staff import sessions
from smf.staff.audit import current_actor
from smf.staff.models import AuditLog, StaffSession
from smf.staff.roles import Role
from smf.staff.signin import SEEN_AT
from smf.staff.tasks import sessions_sweep
from tests.conftest import PASSWORD
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

PAGE = "/staff/sessions/"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
KHMER = re.compile(r"[\u1780-\u17ff]")


@pytest.fixture(autouse=True)
def _signin_settings(settings):
    settings.AXES_ENABLED = True
    settings.SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_LIFETIME_SECONDS = 12 * 3600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dara(db, siem_reap):
    return staff_member(
        username="dara", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[siem_reap]
    )


def logged_in_client(username, *, address="10.1.1.1", agent=WINDOWS_FIREFOX) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def key_of(client) -> str:
    return client.session.session_key


def row_of(client) -> StaffSession:
    return StaffSession.objects.get(session_key=key_of(client))


def sent_to_login(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def audit(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


def everything_audited() -> str:
    return json.dumps([row.details for row in AuditLog.objects.all()])


def _age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


# --- the page ------------------------------------------------------------------------


def test_two_logins_show_two_rows_with_this_one_marked(sokha):
    phone = logged_in_client("sokha", address="10.1.1.7", agent=ANDROID_CHROME)
    laptop = logged_in_client("sokha", address="10.1.1.8", agent=WINDOWS_FIREFOX)
    response = laptop.get(PAGE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row.session_key for row in rows} == {key_of(phone), key_of(laptop)}
    assert [row.is_current for row in rows if row.session_key == key_of(laptop)] == [True]
    html = response.content.decode()
    assert "Chrome on Android" in html and "Firefox on Windows" in html
    assert "10.1.1.7" in html and "10.1.1.8" in html
    assert html.count("This session") == 1
    # One End button, for the phone; and the one for all others.
    assert html.count(">End<") == 1
    assert reverse("staff:session_end", args=[row_of(phone).uuid]) in html
    assert reverse("staff:session_end", args=[row_of(laptop).uuid]) not in html
    assert "End all other sessions" in html
    # The session keys are credentials: never on the page.
    assert key_of(phone) not in html and key_of(laptop) not in html


def test_the_page_is_in_her_menu_and_needs_a_login(sokha):
    assert Client().get(PAGE)["Location"].startswith("/login/")
    home = logged_in_client("sokha").get("/").content.decode()
    assert f'href="{PAGE}"' in home and "Your sessions" in home


def test_she_never_sees_another_users_sessions(sokha, dara):
    logged_in_client("dara", address="10.5.5.5")
    response = logged_in_client("sokha").get(PAGE)
    assert len(response.context["rows"]) == 1
    assert "10.5.5.5" not in response.content.decode()


def test_the_page_costs_a_fixed_number_of_queries(sokha, django_assert_num_queries):
    client = logged_in_client("sokha")
    for n in range(3):
        logged_in_client("sokha", address=f"10.1.1.{20 + n}")
    # The session, her user, her roles (the menu), her live logins (one query,
    # joined with the sessions), and the menu's centers (two): never one a row.
    with django_assert_num_queries(6):
        response = client.get(PAGE)
    assert len(response.context["rows"]) == 4


def test_the_page_is_in_khmer(sokha, settings):
    compile_catalogues()
    client = logged_in_client("sokha")
    logged_in_client("sokha", agent=ANDROID_CHROME)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "km"
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="km").content.decode()
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>|<[^>]+>", " ", html)
    assert "វគ្គប្រើប្រាស់របស់អ្នក" in text and "Chrome លើ Android" in text
    assert len(KHMER.findall(text)) > 50
    for english in ("Your sessions", "This session", "End all other sessions", "Last active"):
        assert english not in text


# --- ending them ---------------------------------------------------------------------


def test_ending_another_session_logs_that_client_out(sokha):
    phone = logged_in_client("sokha", agent=ANDROID_CHROME)
    laptop = logged_in_client("sokha")
    ended = row_of(phone)
    response = laptop.post(reverse("staff:session_end", args=[ended.uuid]))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert sent_to_login(phone)
    assert SESSION_KEY not in phone.session
    assert not StaffSession.objects.filter(pk=ended.pk).exists()
    assert not Session.objects.filter(session_key=ended.session_key).exists()
    # Hers goes on.
    assert "That session was logged out" in laptop.get(PAGE).content.decode()
    (line,) = audit("session_end")
    assert line.user == sokha
    assert line.details == {
        "staff": sokha.pk,
        "session": ended.pk,
        "address": "10.1.1.1",
        "reason": "user",
    }


def test_she_cannot_end_another_users_session(sokha, dara):
    theirs = logged_in_client("dara")
    client = logged_in_client("sokha")
    response = client.post(reverse("staff:session_end", args=[row_of(theirs).uuid]))
    assert response.status_code == 404
    assert theirs.get("/").status_code == 200
    assert StaffSession.objects.filter(user=dara).count() == 1
    assert not audit("session_end")


def test_a_missing_session_answers_like_a_foreign_one(sokha):
    client = logged_in_client("sokha")
    response = client.post(
        reverse("staff:session_end", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_this_session_is_not_ended_through_the_button(sokha):
    client = logged_in_client("sokha")
    response = client.post(reverse("staff:session_end", args=[row_of(client).uuid]))
    assert response.status_code == 404  # she logs out instead
    assert client.get("/").status_code == 200


def test_ending_needs_a_post(sokha):
    phone = logged_in_client("sokha")
    client = logged_in_client("sokha")
    assert client.get(reverse("staff:session_end", args=[row_of(phone).uuid])).status_code == 405
    assert client.get(reverse("staff:sessions_end_others")).status_code == 405
    assert phone.get("/").status_code == 200


def test_end_all_others_keeps_this_one(sokha, dara):
    others = [logged_in_client("sokha", address=f"10.1.1.{n}") for n in (2, 3)]
    theirs = logged_in_client("dara")
    client = logged_in_client("sokha")
    response = client.post(reverse("staff:sessions_end_others"), follow=True)
    assert "2 other sessions were logged out" in response.content.decode()
    assert all(sent_to_login(other) for other in others)
    assert client.get("/").status_code == 200
    assert theirs.get("/").status_code == 200  # nobody else's
    assert list(StaffSession.objects.filter(user=sokha)) == [row_of(client)]
    lines = audit("session_end")
    assert len(lines) == 2
    assert {line.details["reason"] for line in lines} == {"user"}
    assert {line.details["address"] for line in lines} == {"10.1.1.2", "10.1.1.3"}


def test_end_all_also_ends_a_login_without_a_row(sokha):
    """A login made before rows were kept is found in the session store."""
    old = logged_in_client("sokha")
    StaffSession.objects.filter(session_key=key_of(old)).delete()
    ended = sessions.sessions_end_all(sokha, reason="second_factor_reset")
    assert ended == 1
    assert sent_to_login(old)
    (line,) = audit("session_end")
    assert line.details["session"] is None and line.details["reason"] == "second_factor_reset"


def test_password_change_ends_her_other_sessions(sokha):
    other = logged_in_client("sokha", address="10.1.1.2")
    client = logged_in_client("sokha")
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-long-new-passphrase",
            "new_password2": "a-long-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key_of(other)).exists()
    assert sent_to_login(other)
    # Hers goes on, under the key the change gave it, and keeps its row.
    rows = client.get(PAGE).context["rows"]
    assert [(row.session_key, row.is_current) for row in rows] == [(key_of(client), True)]
    assert StaffSession.objects.filter(user=sokha).count() == 1
    (line,) = audit("session_end")
    assert line.user == sokha and line.details["reason"] == "password_change"
    assert line.details["address"] == "10.1.1.2"


def _set_password_in_the_admin(client, user) -> None:
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": "a-long-new-passphrase",
            "password2": "a-long-new-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_password_set_in_the_admin_ends_her_sessions_at_once(sokha, administrator):
    clients = [logged_in_client("sokha", address=f"10.1.1.{n}") for n in (2, 3)]
    admin = Client()
    admin.force_login(administrator)
    _set_password_in_the_admin(admin, sokha)
    assert not StaffSession.objects.filter(user=sokha).exists()
    assert not any(Session.objects.filter(session_key=key_of(c)).exists() for c in clients)
    assert all(sent_to_login(client) for client in clients)
    lines = audit("session_end")
    assert len(lines) == 2
    assert {line.user for line in lines} == {administrator}
    assert {line.details["reason"] for line in lines} == {"password_set"}
    assert {line.details["address"] for line in lines} == {"10.1.1.2", "10.1.1.3"}
    # The administrator's session goes on (Django gave it a new key: its row followed).
    assert admin.get("/").status_code == 200
    (row,) = StaffSession.objects.filter(user=administrator)
    assert row.session_key == key_of(admin)


def test_an_administrator_setting_her_own_password_keeps_this_session(administrator):
    other = Client()
    other.force_login(administrator)
    client = Client()
    client.force_login(administrator)
    old_row = row_of(client)
    _set_password_in_the_admin(client, administrator)
    assert client.get("/").status_code == 200
    assert row_of(client).pk == old_row.pk  # the same login, under its new key
    assert sent_to_login(other)
    assert list(StaffSession.objects.filter(user=administrator)) == [row_of(client)]
    (line,) = audit("session_end")
    assert line.user == administrator and line.details["reason"] == "password_set"


def test_deactivation_ends_all_her_sessions(sokha, administrator):
    clients = [logged_in_client("sokha", address=f"10.1.1.{n}") for n in (2, 3)]
    sokha.is_active = False
    sokha.save()
    assert not StaffSession.objects.filter(user=sokha).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY)]
    assert all(sent_to_login(client) for client in clients)
    lines = audit("session_end")
    assert len(lines) == 2 and {line.details["reason"] for line in lines} == {"deactivated"}


def test_a_deactivation_is_audited_as_whoever_made_it(sokha, administrator):
    logged_in_client("sokha")
    # As in the admin's user form: ActorMiddleware says who is acting.
    token = current_actor.set(administrator)
    try:
        sokha.is_active = False
        sokha.save(update_fields=["is_active"])
    finally:
        current_actor.reset(token)
    (line,) = audit("session_end")
    assert line.user == administrator and line.details["staff"] == sokha.pk


def test_other_saves_of_a_user_end_nothing(sokha):
    client = logged_in_client("sokha")
    sokha.first_name = "S"
    sokha.save()
    sokha.is_active = False
    sokha.save(update_fields=["last_login"])  # not her activity that changed
    assert client.get("/").status_code == 200
    assert StaffSession.objects.filter(user=sokha).exists()
    assert not audit("session_end")


def test_audit_lines_never_carry_a_session_key(sokha):
    clients = [logged_in_client("sokha", address=f"10.1.1.{n}") for n in (2, 3, 4)]
    keys = [key_of(client) for client in clients]
    clients[2].post(reverse("staff:session_end", args=[row_of(clients[0]).uuid]))
    clients[2].post(reverse("staff:sessions_end_others"))
    clients[2].post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-long-new-passphrase",
            "new_password2": "a-long-new-passphrase",
        },
    )
    keys.append(key_of(clients[2]))
    assert len(audit("session_end")) == 2
    text = everything_audited()
    assert not [key for key in keys if key in text]


# --- the rows follow the sessions ----------------------------------------------------


def test_logout_removes_the_row(sokha):
    client = logged_in_client("sokha")
    key = key_of(client)
    client.post("/logout/")
    assert not StaffSession.objects.filter(session_key=key).exists()


def test_an_idle_timeout_removes_the_row(sokha):
    client = logged_in_client("sokha")
    key = key_of(client)
    _age_session(client, smf_seen_at=30 * 60 + 1)
    assert sent_to_login(client)
    assert not StaffSession.objects.filter(session_key=key).exists()


def test_last_seen_moves_only_with_the_minutes_touch(sokha):
    client = logged_in_client("sokha")
    row = row_of(client)
    client.get("/")
    row.refresh_from_db()
    assert row.last_seen_at == row.started_at  # not written on every request
    _age_session(client, **{SEEN_AT: 61})
    client.get("/")
    row.refresh_from_db()
    assert row.last_seen_at > row.started_at


def test_a_login_without_a_row_gets_one_at_the_minutes_touch(sokha):
    client = logged_in_client("sokha", agent=ANDROID_CHROME)
    started = row_of(client).started_at
    StaffSession.objects.all().delete()
    _age_session(client, **{SEEN_AT: 61})
    client.get("/")
    row = row_of(client)
    assert (row.browser, row.platform, row.address) == ("Chrome", "Android", "10.1.1.1")
    assert abs(row.started_at - started) < timedelta(seconds=1)  # from the session


def test_an_expired_session_is_not_shown_and_the_sweep_removes_it(sokha):
    gone = logged_in_client("sokha", address="10.1.1.2")
    client = logged_in_client("sokha")
    Session.objects.filter(session_key=key_of(gone)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    rows = client.get(PAGE).context["rows"]
    assert [row.session_key for row in rows] == [key_of(client)]
    assert StaffSession.objects.filter(user=sokha).count() == 2  # a GET writes nothing
    assert sessions_sweep.delay().get() == 1
    assert list(StaffSession.objects.filter(user=sokha)) == [row_of(client)]
    assert not Session.objects.filter(session_key=key_of(gone)).exists()
    assert sessions_sweep.delay().get() == 0  # safe to run twice


def test_the_sweep_runs_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-sweep"]
    assert entry["task"] == "smf.staff.tasks.sessions_sweep"


@pytest.mark.parametrize(
    "agent,summary",
    [
        (ANDROID_CHROME, ("Chrome", "Android")),
        (WINDOWS_FIREFOX, ("Firefox", "Windows")),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            ("Safari", "iPhone"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            ("Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536E) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            ("Samsung Internet", "Android"),
        ),
        ("curl/8.0", ("", "")),
        ("", ("", "")),
    ],
)
def test_browser_summary(agent, summary):
    assert sessions.browser_summary(agent) == summary


def test_an_unknown_browser_says_so_and_the_raw_agent_is_not_kept(sokha):
    client = logged_in_client("sokha", agent="SecretAgent/1.0 (build 12345)")
    row = row_of(client)
    assert (row.browser, row.platform) == ("", "")
    assert "Unknown browser" in client.get(PAGE).content.decode()
    stored = json.dumps(list(StaffSession.objects.values()), default=str)
    assert "SecretAgent" not in stored


def test_a_login_over_another_users_session_records_the_final_key(sokha, dara):
    """login() flushes a session of someone else and makes the new key only
    when the session is saved: the row is written under that key."""
    client = logged_in_client("dara")
    response = client.post("/login/", {"username": "sokha", "password": PASSWORD})
    assert response.status_code == 302
    row = row_of(client)
    assert row.user == sokha
    assert [r.session_key for r in client.get(PAGE).context["rows"]] == [key_of(client)]
