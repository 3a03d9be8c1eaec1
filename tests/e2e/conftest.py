"""Browser tests: pytest-playwright driving Debian's Chromium against live_server.

Playwright never downloads a browser here: the launch names /usr/bin/chromium
(or CHROMIUM_PATH). Without Chromium these tests skip, except in CI.
"""

from __future__ import annotations

import os

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from smf.staff.twofactor import second_factor_required, totp_enrol, totp_secret_of
from tests.conftest import PASSWORD, chromium_path

# live_server runs Django in a thread while Playwright's sync API holds an event
# loop in this one; Django's async-safety check would refuse the ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# What tests/conftest.py's _fast_password_hashing sets for every test.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def phone_context_args():
    return {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


# The authenticator secret of test logins that sign in with a second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in(target, url: str, username: str, password: str, *, user=None) -> None:
    """Through the real sign-in form: the password, then, for a login with an
    authenticator app, its code (computed with pyotp from TOTP_SECRET). A code
    is refused the second time (django-otp), and journeys sign in again within
    its 30 seconds: the device's last used step is forgotten first."""
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None and user is not None and second_factor_required(user):
        device = totp_enrol(user, secret=TOTP_SECRET)
    if device is not None:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    target.goto(f"{url}/login/")
    target.fill("#id_username", username)
    target.fill("#id_password", password)
    target.click("button[type=submit]")
    if device is not None:
        target.fill("#id_token-otp_token", pyotp.TOTP(totp_secret_of(device)).now())
        target.click("button[type=submit] >> nth=0")
    target.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def log_in(live_server, page):
    """log_in(user) -> the page, logged in through the real login form."""

    def _log_in(user, target=page):
        sign_in(target, live_server.url, user.username, PASSWORD, user=user)
        return target

    return _log_in


@pytest.fixture(scope="module")
def demo_site(request, django_db_setup, django_db_blocker):
    """The demo (smf.core.demo.demo_seed) seeded once for a module, on a live
    server of its own: seeding takes seconds, a journey per test would pay it
    each time. Demo logins use smf.core.demo.DEFAULT_PASSWORD.

    pytest-django makes every test that asks for `live_server` transactional
    and flushes the database after it, which would throw the demo away after
    the module's first test. So a module on the demo asks for no `live_server`;
    it carries the `django_db` mark (the test database is set up) and overrides
    `_django_db_helper` with `demo_database` (no per-test transaction or flush).
    The database stays open to its tests and to this server's thread for the
    whole module, and is flushed after its last test, as a transactional test
    would be.
    """
    from django.core.management import call_command
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from smf.core.demo import DEFAULT_PASSWORD, demo_seed

    if request.node.get_closest_marker("django_db") is None:
        raise pytest.UsageError("a module on demo_site needs pytestmark = pytest.mark.django_db")
    with django_db_blocker.unblock():
        # The same hasher as the tests' logins (tests/conftest.py), or the
        # demo's passwords would not verify.
        with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
            demo_seed(password=DEFAULT_PASSWORD)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_database(demo_site):
    """What a module on the demo names `_django_db_helper` (see demo_site)."""
    yield


@pytest.fixture
def demo_log_in(demo_site, page):
    """demo_log_in(username) -> the page, logged in to the demo through the login form."""
    from smf.core.demo import DEFAULT_PASSWORD

    def _log_in(username, target=page):
        sign_in(target, demo_site.url, username, DEFAULT_PASSWORD)
        return target

    return _log_in


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
