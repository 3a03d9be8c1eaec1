"""Named personas and the switches that decide whether a missing service skips.

Tests that need something a bare machine may lack (Redis, Chromium, PostgreSQL)
use the `require_*` helpers: they skip with a visible reason, unless
SMF_REQUIRE_ALL_SERVICES=1 (set by .ci/run), where the same absence fails.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from smf.staff.roles import Role
from tests import factories
from tests.factories import staff_member as staff_create

PASSWORD = "correct-horse-battery-staple"
STRICT = os.environ.get("SMF_REQUIRE_ALL_SERVICES") == "1"


def missing(reason: str) -> None:
    """Skip, or fail in CI where every service must be present."""
    if STRICT:
        pytest.fail(f"{reason} (SMF_REQUIRE_ALL_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


def require_redis() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing("REDIS_URL is not set: no Redis to run a real Celery worker against")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001
        missing(f"Redis at REDIS_URL does not answer: {error}")
    return url


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing("this test needs PostgreSQL (set DATABASE_URL)")


def audit_write_queries() -> int:
    """Queries one audit write costs (smf/staff/audit.py, the hash chain): on
    PostgreSQL the chain's lock, the last line's hash with the new ids, the
    INSERT; on SQLite the last line, the INSERT."""
    return 3 if connection.vendor == "postgresql" else 2


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
    if not path:
        missing("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def tom_dy(db):
    return factories.shelter("TD", name="Tom Dy", province="Phnom Penh", capacity=120)


@pytest.fixture
def siem_reap(db):
    return factories.shelter("SR", name="Siem Reap", province="Siem Reap", capacity=100)


@pytest.fixture
def kampong_cham(db):
    return factories.shelter("KC", name="Kampong Cham", province="Kampong Cham", capacity=80)


@pytest.fixture
def social_worker_tom_dy(db, tom_dy):
    return staff_create(
        username="sw_tomdy", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[tom_dy]
    )


@pytest.fixture
def social_worker_siem_reap(db, siem_reap):
    return staff_create(
        username="sw_siemreap", password=PASSWORD, roles=[Role.SOCIAL_WORKER], centers=[siem_reap]
    )


@pytest.fixture
def center_manager_tom_dy(db, tom_dy):
    return staff_create(
        username="cm_tomdy", password=PASSWORD, roles=[Role.CENTER_MANAGER], centers=[tom_dy]
    )


@pytest.fixture
def reintegration_officer(db):
    return staff_create(username="reint", password=PASSWORD, roles=[Role.REINTEGRATION_OFFICER])


@pytest.fixture
def outreach_worker(db):
    return staff_create(username="outreach", password=PASSWORD, roles=[Role.OUTREACH_WORKER])


@pytest.fixture
def legal_officer(db):
    return staff_create(username="legal", password=PASSWORD, roles=[Role.LEGAL_OFFICER])


@pytest.fixture
def director(db):
    return staff_create(
        username="director", password=PASSWORD, roles=[Role.DIRECTOR], email="director@example.org"
    )


@pytest.fixture
def administrator(db):
    return staff_create(username="admin", password=PASSWORD, roles=[Role.ADMINISTRATOR])


@pytest.fixture
def no_role_user(db):
    return staff_create(username="nobody", password=PASSWORD, roles=[])


@pytest.fixture
def login(client):
    """login(user) -> a Django test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


def _force_login_verified(self, user, backend=None, *, second_factor=True):
    """The test client's force_login, as a login confirmed with a second factor
    (smf.staff.twofactor: the session holds django-otp's device id). Tests of
    the rule itself pass second_factor=False."""
    _force_login(self, user, backend)
    if second_factor:
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = "otp_totp.totpdevice/test"
        session.save()


_force_login = Client.force_login
Client.force_login = _force_login_verified


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is right for production and needlessly slow for hundreds of logins.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Tasks run in-process in every test, whatever REDIS_URL says.

    With REDIS_URL set (CI), a queued task would otherwise wait in Redis for a
    worker that only the `celery_real_worker` fixture starts; that fixture
    switches this off again for the tests that prove the real pipeline.
    """
    from smf.celery import app

    before = app.conf.task_always_eager
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=before)


@pytest.fixture
def eager_tasks(_tasks_in_process):
    """Names, in a test's signature, that it relies on tasks running in-process."""


pytest_plugins = ["tests.celery_support"]
