"""Sign-in journeys in a browser: a director enrols an authenticator app (the
test computes its codes with pyotp, from the key the enrolment page shows),
signs out and in again with a code; a recovery code works once; a locked
account cannot sign in with the right password until an administrator
unlocks it or the cooling-off ends."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from smf.staff.models import AuditLog
from smf.staff.roles import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import staff_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sign_in_settings(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def director(db):
    return staff_member(username="dara", password=PASSWORD, roles=[Role.DIRECTOR])


def _password(page, url, username, password=PASSWORD):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def _fresh_code(secret: str, used: set[str]) -> str:
    """A code not used yet: django-otp accepts each code once."""
    totp = pyotp.TOTP(secret)
    while (code := totp.now()) in used:
        time.sleep(1)
    used.add(code)
    return code


def _log_out(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # a phone: the menu is folded
        toggler.click()
        # Unfolded once Bootstrap's transition is over (`collapsing` → `show`):
        # a click during it can miss the moving button.
        page.locator("#mainnav.show").wait_for()
    with page.expect_navigation(url=re.compile(r"/login/")):
        page.locator("form[action='/logout/'] button").click()


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_director_enrols_and_signs_in_with_a_code(live_server, page, director, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    _password(page, live_server.url, "dara")
    # Her role needs a second factor: she is sent to enrol.
    page.wait_for_url(re.compile(r"/account/two-factor/setup/"))
    page.get_by_role("button", name="Next").click()
    assert page.locator("img[src$='/account/two-factor/setup/qr-code/']").is_visible()
    page.get_by_text("Cannot scan? Type the key instead").click()
    secret = page.locator("#totp-secret").inner_text().strip()
    used: set[str] = set()
    page.fill("#id_generator-token", _fresh_code(secret, used))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(re.compile(r"/account/two-factor/setup/done/"))
    assert TOTPDevice.objects.filter(user=director, confirmed=True).count() == 1

    _log_out(page)
    _password(page, live_server.url, "dara")
    page.fill("#id_token-otp_token", _fresh_code(secret, used))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url and "two-factor" not in url)
    assert page.locator("nav").get_by_text("Reports").count()
    actions = set(AuditLog.objects.filter(user=director).values_list("action", flat=True))
    assert {"second_factor_enrolled", "login", "logout"} <= actions


def test_a_recovery_code_signs_in_once(live_server, page, director, log_in):
    log_in(director)  # enrolled with the tests' secret, signed in with a code
    page.goto(f"{live_server.url}/account/two-factor/recovery-codes/")
    page.get_by_role("button", name="Make new recovery codes").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    _log_out(page)

    for attempt in range(2):
        _password(page, live_server.url, "dara")
        page.get_by_role("button", name="use a recovery code").click()
        page.fill("#id_backup-otp_token", codes[0])
        page.get_by_role("button", name="Log in").click()
        if attempt == 0:
            page.wait_for_url(lambda url: "/login/" not in url)
            _log_out(page)
        else:
            page.wait_for_load_state()
            assert "/login/" in page.url
            assert page.locator(".alert-danger").is_visible()


def test_a_locked_account_waits_for_the_administrator(live_server, page, browser):
    sokha = staff_member(username="sokha", password=PASSWORD, roles=[Role.SOCIAL_WORKER])
    # The administrator signed in before (the lock holds for the address too).
    admin_user = staff_member(username="root", password=PASSWORD, roles=[Role.ADMINISTRATOR])
    admin_user.is_staff = True
    admin_user.save()
    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    sign_in(admin_page, live_server.url, "root", PASSWORD, user=admin_user)

    for _ in range(3):
        _password(page, live_server.url, "sokha", "wrong-password-here")
    # Locked: the right password is refused too.
    _password(page, live_server.url, "sokha")
    assert page.get_by_role("heading", name="Logging in is locked").is_visible()
    assert not page.locator("nav").get_by_text("Cases").count()

    # The administrator unlocks her in the admin: the attempts are deleted.
    admin_page.goto(f"{live_server.url}/admin/axes/accessattempt/")
    admin_page.locator("#action-toggle").check()
    admin_page.select_option("select[name=action]", "delete_selected")
    admin_page.locator("button[name=index]").click()
    admin_page.locator("input[type=submit]").click()
    admin_page.wait_for_url(re.compile(r"/admin/axes/accessattempt/$"))
    admin_context.close()
    assert not AccessAttempt.objects.exists()
    assert AuditLog.objects.filter(action="login_unlock", user=admin_user).exists()

    _password(page, live_server.url, "sokha")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert AuditLog.objects.filter(action="login", user=sokha).exists()


def test_a_lock_ends_with_its_cooling_off(live_server, page, db):
    sokha = staff_member(username="sokha", password=PASSWORD, roles=[Role.SOCIAL_WORKER])
    for _ in range(3):
        _password(page, live_server.url, "sokha", "wrong-password-here")
    _password(page, live_server.url, "sokha")
    assert page.get_by_role("heading", name="Logging in is locked").is_visible()
    # Sixteen minutes later: the failures dated back, the lock's memo forgotten.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    cache.clear()
    _password(page, live_server.url, "sokha")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert AuditLog.objects.filter(action="login", user=sokha).exists()
