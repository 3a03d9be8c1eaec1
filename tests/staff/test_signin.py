"""Signing in: lockout (django-axes) per username and per address, the lockout
page, the administrator's unlock, the audit of every log-in, failed log-in,
lockout and log-out, the idle timeout and absolute lifetime of a login, the
password change, and no-store on everything a logged-in user is sent.

Every log-in here goes through the real login form (a POST to /login/), so axes
sees what it sees in production; `force_login` only where the test is about
something else (an authenticated page's headers)."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from reports.translations import compile_catalogues
from smf.staff.models import AuditLog
from smf.staff.roles import Role
from smf.staff.signin import LOGIN_AT, SEEN_AT, client_address
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member

pytestmark = pytest.mark.django_db

LIMIT = 5
COOL_OFF = timedelta(minutes=15)
WRONG = "not-her-password-at-all"
KHMER = re.compile(r"[\u1780-\u17ff]")


@pytest.fixture(autouse=True)
def _signin_settings(settings):
    """The defaults of smf/settings.py, whatever the environment says."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF
    settings.SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_LIFETIME_SECONDS = 12 * 3600
    cache.clear()  # the once-a-minute "refused while locked" audit line
    yield
    cache.clear()


def log_in(client, username, password, address="10.1.1.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def lock_username(username, *, first_address=1):
    """LIMIT wrong passwords for `username`, each from another address."""
    responses = [
        log_in(Client(), username, WRONG, address=f"10.2.0.{first_address + n}")
        for n in range(LIMIT)
    ]
    return responses


def audit(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


def everything_audited() -> str:
    return json.dumps([row.details for row in AuditLog.objects.all()], ensure_ascii=False)


# --- lockout -------------------------------------------------------------------------


def test_failures_below_the_limit_show_the_login_form_again(sokha):
    for _ in range(LIMIT - 1):
        response = log_in(Client(), "sokha", WRONG)
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    response = log_in(Client(), "sokha", PASSWORD)
    assert response.status_code == 302


def test_username_is_locked_after_the_limit_from_any_address(sokha):
    responses = lock_username("sokha")
    assert [r.status_code for r in responses] == [200] * (LIMIT - 1) + [429]
    # The right password, from an address that never failed: refused.
    client = Client()
    response = log_in(client, "sokha", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert not logged_in(client)
    # Another staff member from that address is not affected.
    staff_member(username="dara", password=PASSWORD, roles=[Role.DIRECTOR])
    assert log_in(Client(), "dara", PASSWORD, address="10.9.9.9").status_code == 302


def test_address_is_locked_after_the_limit_for_any_username(sokha):
    for n in range(LIMIT):
        log_in(Client(), f"guess{n}", WRONG, address="10.3.3.3")
    client = Client()
    response = log_in(client, "sokha", PASSWORD, address="10.3.3.3")
    assert response.status_code == 429
    assert not logged_in(client)
    # Her username is not locked: from another address she gets in.
    other = Client()
    assert log_in(other, "sokha", PASSWORD, address="10.4.4.4").status_code == 302
    assert logged_in(other)


def test_a_locked_sign_in_is_refused_before_any_password_is_hashed(sokha, monkeypatch):
    lock_username("sokha")
    import django.contrib.auth.base_user as base_user

    calls = []
    real_check, real_make = base_user.check_password, base_user.make_password
    monkeypatch.setattr(
        base_user, "check_password", lambda *a, **k: calls.append("check") or real_check(*a, **k)
    )
    monkeypatch.setattr(
        base_user, "make_password", lambda *a, **k: calls.append("make") or real_make(*a, **k)
    )
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 429
    assert log_in(Client(), "nobody-at-all", WRONG, address="10.2.0.1").status_code == 200
    # The control: an unlocked attempt does hash (ModelBackend checks, or hashes
    # a dummy for an unknown username).
    assert calls == ["make"]
    calls.clear()
    for _ in range(3):
        assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 429
    assert calls == []


def test_lock_ends_after_the_cool_off_and_refused_attempts_do_not_prolong_it(sokha):
    lock_username("sokha")
    for _ in range(3):  # refused while locked: not counted
        assert log_in(Client(), "sokha", WRONG, address="10.9.9.9").status_code == 429
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == LIMIT
    # The failures are now older than the cool-off.
    earlier = AccessAttempt.objects.get(ip_address="10.2.0.1").attempt_time - COOL_OFF
    AccessAttempt.objects.update(attempt_time=earlier - timedelta(seconds=1))
    cache.clear()  # the cache remembers a lock a few seconds at most: they have passed
    client = Client()
    assert log_in(client, "sokha", PASSWORD, address="10.9.9.9").status_code == 302
    assert logged_in(client)


def test_once_a_lock_is_known_a_refusal_costs_no_query_and_no_form(
    sokha, django_assert_num_queries
):
    lock_username("sokha")
    assert log_in(Client(), "sokha", WRONG, address="10.9.9.9").status_code == 429  # learns
    with django_assert_num_queries(0):  # (its once-a-minute audit line is written)
        assert log_in(Client(), "sokha", WRONG, address="10.9.9.9").status_code == 429
    # Refused before the CSRF check too (a POST without a token is no less locked).
    strict = Client(enforce_csrf_checks=True)
    assert log_in(strict, "sokha", PASSWORD, address="10.9.9.7").status_code == 429
    assert log_in(strict, "dara", PASSWORD, address="10.9.9.7").status_code == 403


def test_the_admin_login_is_locked_too(sokha):
    lock_username("sokha")
    for _ in range(2):  # through axes, then from the cache
        response = Client().post(
            "/admin/login/", {"username": "sokha", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        assert response.status_code == 429
        assert "Logging in is locked" in response.content.decode()


def test_the_cache_remembers_a_lock_only_a_few_seconds(sokha, monkeypatch):
    from smf.staff import signin

    monkeypatch.setattr(signin, "LOCK_MEMO_SECONDS", 1)
    lock_username("sokha")
    assert log_in(Client(), "sokha", WRONG, address="10.9.9.9").status_code == 429
    AccessAttempt.objects.all().delete()  # unlocked behind the admin's back
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 429
    time.sleep(1.2)
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 302


def test_short_cool_off_setting_is_honoured(sokha, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    lock_username("sokha")
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 429
    time.sleep(1.2)
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 302


def test_administrator_unlocks_by_deleting_the_attempts_and_it_is_audited(sokha, administrator):
    lock_username("sokha")
    assert log_in(Client(), "sokha", PASSWORD, address="10.9.9.9").status_code == 429
    admin = Client()
    admin.force_login(administrator)
    changelist = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "sokha" in changelist.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="sokha"))
    assert len(attempts) == LIMIT
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="sokha").exists()
    unlocks = audit("login_unlock")
    assert len(unlocks) == LIMIT
    assert {u.user_id for u in unlocks} == {administrator.pk}
    assert {u.details["username"] for u in unlocks} == {"sokha"}
    assert {u.details["locked_address"] for u in unlocks} == {a.ip_address for a in attempts}
    client = Client()
    assert log_in(client, "sokha", PASSWORD, address="10.9.9.9").status_code == 302


def test_administrator_unlocks_one_attempt_from_its_page(sokha, administrator):
    for n in range(LIMIT):
        log_in(Client(), f"guess{n}", WRONG, address="10.3.3.3")
    admin = Client()
    admin.force_login(administrator)
    for attempt in AccessAttempt.objects.filter(ip_address="10.3.3.3"):
        url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
        assert admin.post(url, {"post": "yes"}).status_code == 302
    assert log_in(Client(), "sokha", PASSWORD, address="10.3.3.3").status_code == 302
    assert len(audit("login_unlock")) == LIMIT


def test_only_administrators_see_or_delete_attempts(sokha, director, administrator):
    lock_username("sokha")
    attempt = AccessAttempt.objects.first()
    for user in (sokha, director):  # not staff: the admin's login page
        client = Client()
        client.force_login(user)
        response = client.get(reverse("admin:axes_accessattempt_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    admin = Client()
    admin.force_login(administrator)
    page = admin.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_add_permission"]
    assert page.context["has_delete_permission"]
    # An attempt keeps no password: axes masks it in what it stores.
    assert WRONG not in attempt.post_data


# --- the lockout page --------------------------------------------------------------


def test_lockout_page_answers_429_in_the_site_layout_with_when_and_who(sokha):
    responses = lock_username("sokha")
    for response in (responses[-1], log_in(Client(), "sokha", PASSWORD, address="10.9.9.9")):
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 14 * 60
        html = response.content.decode()
        assert "SMF case management" in html  # the site's navigation bar
        assert "Logging in is locked" in html
        assert f"There were {LIMIT} failed attempts" in html
        assert "locked for 15 minutes" in html
        assert re.search(r"Try again after \d\d:\d\d \(in 15 min\)", html), html
        assert "An administrator can unlock it sooner" in html
        assert PASSWORD not in html


def test_the_lockout_page_shares_nothing_of_one_visitor_with_another(sokha):
    lock_username("sokha")
    staff_member(username="dara", password=PASSWORD, roles=[Role.DIRECTOR])
    hers = Client()
    log_in(hers, "dara", PASSWORD, address="10.9.9.1")
    _age_session(hers, smf_seen_at=31 * 60)
    hers.get("/")  # logged out for idleness: a message waits in her cookie
    page = log_in(hers, "sokha", PASSWORD, address="10.9.9.1")
    assert page.status_code == 429
    assert "without activity" in page.content.decode()  # hers, rendered for her
    anyone = log_in(Client(), "sokha", PASSWORD, address="10.9.9.2")
    assert anyone.status_code == 429
    assert "without activity" not in anyone.content.decode()
    assert "dara" not in anyone.content.decode()
    again = log_in(Client(), "sokha", PASSWORD, address="10.9.9.3")
    assert again.content == anyone.content  # shared while nothing in it is anyone's
    assert again["Content-Security-Policy"] and again["Retry-After"]


def test_lockout_page_is_in_khmer(sokha, client):
    compile_catalogues()
    lock_username("sokha")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "km"
    response = client.post(
        "/login/",
        {"username": "sokha", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_ACCEPT_LANGUAGE="km",
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "ការចូលប្រព័ន្ធត្រូវបានចាក់សោ" in html
    assert "អ្នកគ្រប់គ្រងប្រព័ន្ធអាចដោះសោ" in html
    for english in ("Logging in is locked", "Try again after", "administrator"):
        assert english not in html


# --- audit -----------------------------------------------------------------------------


def test_login_and_logout_are_audited_with_the_address(sokha):
    client = Client()
    assert log_in(client, "sokha", PASSWORD, address="10.5.5.5").status_code == 302
    (login,) = audit("login")
    assert login.user == sokha and login.details == {"address": "10.5.5.5"}
    assert client.post("/logout/", REMOTE_ADDR="10.5.5.5").status_code == 302
    (logout,) = audit("logout")
    assert logout.user == sokha
    assert logout.details == {"address": "10.5.5.5", "reason": "user"}
    assert PASSWORD not in everything_audited()


def test_failed_logins_are_audited_with_the_username_never_the_password(sokha):
    log_in(Client(), "sokha", WRONG, address="10.6.6.6")
    log_in(Client(), "no-such-user", WRONG, address="10.6.6.6")
    failed = audit("login_failed")
    assert [f.details for f in failed] == [
        {"username": "sokha", "address": "10.6.6.6"},
        {"username": "no-such-user", "address": "10.6.6.6"},
    ]
    assert all(f.user is None for f in failed)
    assert WRONG not in everything_audited()


def test_a_lockout_is_audited_once_and_refusals_at_most_once_a_minute(sokha):
    lock_username("sokha")
    for _ in range(5):
        log_in(Client(), "sokha", WRONG, address="10.9.9.9")
    (lockout,) = audit("login_lockout")
    assert lockout.details["username"] == "sokha"
    assert lockout.details["failures"] == LIMIT
    assert lockout.details["locked"] == ["username"]
    assert len(audit("login_failed")) == LIMIT  # the counted ones
    refused = audit("login_refused")
    assert len(refused) == 1
    assert refused[0].details == {"username": "sokha", "address": "10.9.9.9"}
    assert WRONG not in everything_audited()


def test_a_lockout_by_address_says_so(sokha):
    for n in range(LIMIT):
        log_in(Client(), f"guess{n}", WRONG, address="10.3.3.3")
    (lockout,) = audit("login_lockout")
    assert lockout.details["address"] == "10.3.3.3"
    assert lockout.details["locked"] == ["address"]


def test_authenticate_with_a_request_still_works(sokha):
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.7.7.7")
    assert authenticate(request, username="sokha", password=PASSWORD) == sokha
    assert authenticate(request, username="sokha", password=WRONG) is None
    assert audit("login_failed")[0].details["address"] == "10.7.7.7"


def test_client_address_behind_the_proxy_is_the_last_forwarded_hop(settings):
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    settings.BEHIND_PROXY = False
    assert client_address(request) == "172.18.0.1"
    settings.BEHIND_PROXY = True
    assert client_address(request) == "203.0.113.9"  # the one our proxy added
    forged = factory.get("/", REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(forged) == "172.18.0.1"


# --- sessions ------------------------------------------------------------------------


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_login_records_its_time_in_the_session(sokha):
    client = Client()
    before = time.time()
    log_in(client, "sokha", PASSWORD)
    assert before <= client.session[LOGIN_AT] <= time.time()
    assert client.session[SEEN_AT] == client.session[LOGIN_AT]


def test_idle_session_ends_after_the_idle_timeout(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    _age_session(client, smf_seen_at=30 * 60 - 90)  # active a little under 30 minutes ago
    assert client.get("/").status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5  # renewed
    _age_session(client, smf_seen_at=30 * 60 + 1)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not logged_in(client)
    (logout,) = audit("logout")
    assert logout.user == sokha and logout.details["reason"] == "idle"
    page = client.get(response["Location"]).content.decode()
    assert "You were logged out after 30 minutes without activity" in page


def test_session_ends_after_its_lifetime_however_active(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    _age_session(client, smf_login_at=12 * 3600 - 60, smf_seen_at=10)
    assert client.get("/").status_code == 200
    _age_session(client, smf_login_at=12 * 3600 + 1, smf_seen_at=10)
    response = client.get("/")
    assert response.status_code == 302
    assert not logged_in(client)
    (logout,) = audit("logout")
    assert logout.details["reason"] == "lifetime"
    assert "a login lasts 12 hours at most" in client.get("/login/").content.decode()


def test_activity_renews_the_session_at_most_once_a_minute(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    seen = client.session[SEEN_AT]
    client.get("/")
    assert client.session[SEEN_AT] == seen  # not rewritten on every request
    _age_session(client, smf_seen_at=61)
    client.get("/")
    assert client.session[SEEN_AT] > seen


def test_closing_the_browser_ends_the_session(sokha):
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_SECONDS
    response = log_in(Client(), "sokha", PASSWORD)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie


def test_session_defaults():
    assert django_settings.SESSION_IDLE_SECONDS == 30 * 60
    assert django_settings.SESSION_LIFETIME_SECONDS == 12 * 3600
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# --- password change ------------------------------------------------------------------

NEW_PASSWORD = "a-long-new-passphrase"


def _change(client, old, new, again=None):
    return client.post(
        "/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
        REMOTE_ADDR="10.8.8.8",
    )


@pytest.mark.parametrize(
    "persona", ["social_worker_tom_dy", "outreach_worker", "director", "administrator"]
)
def test_every_staff_member_has_the_password_change_in_her_menu(request, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    home = client.get("/", follow=True).content.decode()
    assert 'href="/password/"' in home and "Change password" in home
    page = client.get("/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Old password" in html and "at least 12 characters" in html


def test_password_change_works_is_audited_and_keeps_this_session(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    other = Client()
    log_in(other, "sokha", PASSWORD, address="10.1.1.2")
    response = _change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    sokha.refresh_from_db()
    assert sokha.check_password(NEW_PASSWORD)
    home = client.get("/")
    assert home.status_code == 200  # this session goes on
    assert "Your password has been changed" in home.content.decode()
    assert other.get("/").status_code == 302  # the other one ended
    (change,) = audit("password_change")
    assert change.user == sokha and change.details == {"address": "10.8.8.8"}
    text = everything_audited()
    assert PASSWORD not in text and NEW_PASSWORD not in text


def test_password_change_needs_twelve_characters(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    response = _change(client, PASSWORD, "short-pass1")  # 11 characters
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    sokha.refresh_from_db()
    assert sokha.check_password(PASSWORD)
    assert _change(client, PASSWORD, "demo-smf-2011").status_code == 302  # 13: fine


def test_password_change_refuses_a_wrong_old_password_and_counts_it(sokha):
    client = Client()
    log_in(client, "sokha", PASSWORD)
    response = _change(client, WRONG, NEW_PASSWORD)
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    sokha.refresh_from_db()
    assert sokha.check_password(PASSWORD)
    # Guessing her password through an open session counts towards the lock.
    assert audit("login_failed")[0].details["username"] == "sokha"
    for _ in range(LIMIT - 1):
        response = _change(client, WRONG, NEW_PASSWORD)
    assert response.status_code == 429
    assert not audit("password_change")


def test_admin_password_change_leads_to_ours(administrator):
    client = Client()
    client.force_login(administrator)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/password/"


def test_a_password_set_in_the_admin_is_audited(sokha, administrator):
    client = Client()
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[sokha.pk])
    response = client.post(
        url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sokha.refresh_from_db()
    assert sokha.check_password(NEW_PASSWORD)
    (entry,) = audit("password_set")
    assert entry.user == administrator and entry.details["staff"] == sokha.pk
    assert NEW_PASSWORD not in everything_audited()


def test_password_change_page_is_in_khmer(sokha, client):
    compile_catalogues()
    client.force_login(sokha)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "km"
    html = client.get("/password/", HTTP_ACCEPT_LANGUAGE="km").content.decode()
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>|<[^>]+>", " ", html)
    assert len(KHMER.findall(text)) > 50
    for english in ("Old password", "New password", "Change password", "characters", "numeric"):
        assert english not in text
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
        HTTP_ACCEPT_LANGUAGE="km",
    )
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    assert "too short" not in text and "entirely numeric" not in text
    assert "ពាក្យសម្ងាត់នេះខ្លីពេក" in text


# --- nothing kept by the browser ------------------------------------------------------


def _assert_no_store(response):
    assert "no-store" in response["Cache-Control"], response.headers
    assert response["Pragma"] == "no-cache"


def test_pages_and_downloads_for_a_logged_in_user_are_not_stored(social_worker_tom_dy, tom_dy):
    case = factories.case("TD-2011-0001")
    factories.stay(case, tom_dy)
    client = Client()
    client.force_login(social_worker_tom_dy)
    page = client.get("/cases/")
    assert page.status_code == 200
    _assert_no_store(page)
    download = client.get("/cases/export.csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    _assert_no_store(download)
    _assert_no_store(client.get("/cases/NOPE-404/"))  # an error page too


@pytest.mark.parametrize("url", ["/login/", "/healthz"])
def test_anonymous_pages_keep_their_own_headers(client, url):
    # Not required there (no name on them): the middleware leaves them alone.
    # (The login form is never_cache by Django's own decorator.)
    response = client.get(url)
    assert response.status_code == 200
    assert "Pragma" not in response


def test_passwords_need_twelve_characters_by_setting():
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in django_settings.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"]["OPTIONS"] == {"min_length": 12}
