"""Browser tests: pytest-playwright driving Debian's Chromium against live_server.

Playwright never downloads a browser here: the launch names /usr/bin/chromium
(or CHROMIUM_PATH). Without Chromium these tests skip, except in CI.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import PASSWORD, chromium_path

# live_server runs Django in a thread while Playwright's sync API holds an event
# loop in this one; Django's async-safety check would refuse the ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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


@pytest.fixture
def log_in(live_server, page):
    """log_in(user) -> the page, logged in through the real login form."""

    def _log_in(user, target=page):
        target.goto(f"{live_server.url}/login/")
        target.fill("#id_username", user.username)
        target.fill("#id_password", PASSWORD)
        target.click("button[type=submit]")
        target.wait_for_url(lambda url: "/login/" not in url)
        return target

    return _log_in


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
