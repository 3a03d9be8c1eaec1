"""Configuration comes from the environment: each case runs the settings in a
fresh Python process with its own environment and reads back what they chose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEY",
    "BEHIND_PROXY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "TIME_ZONE",
    "EMAIL_BACKEND",
    "ADMINS",
)

_READ_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from smf.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "PORT": db.get("PORT", ""),
    "USER": db.get("USER", ""),
    "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "BROKER": settings.CELERY_BROKER_URL,
    "BACKEND": settings.CELERY_RESULT_BACKEND,
    "APP_EAGER": app.conf.task_always_eager,
    "APP_BROKER": app.conf.broker_url,
    "APP_ACKS_LATE": app.conf.task_acks_late,
    "KEYS": settings.FIELD_ENCRYPTION_KEYS,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "PROXY": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "TIME_ZONE": settings.TIME_ZONE,
    "CELERY_TIMEZONE": settings.CELERY_TIMEZONE,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "STATICFILES_STORAGE": settings.STORAGES["staticfiles"]["BACKEND"],
    "ADMINS": settings.ADMINS,
}))
"""

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60,
    "FIELD_ENCRYPTION_KEYS": "a2V5LW9uZS1rZXktb25lLWtleS1vbmUta2V5LW9uZSE=",
    "BLIND_INDEX_KEY": "blind",
    "AUDIT_CHAIN_KEY": "chain",
    "ALLOWED_HOSTS": "cases.example.org",
}


def settings_with(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    base["DJANGO_SETTINGS_MODULE"] = "smf.settings"
    base.update(env)
    result = subprocess.run(
        [sys.executable, "-c", _READ_SETTINGS],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_means_development_sqlite_and_in_process_tasks():
    chosen = settings_with()
    assert chosen["DEBUG"] is True
    assert chosen["ENGINE"] == "django.db.backends.sqlite3"
    assert chosen["NAME"] == str(ROOT / "db.sqlite3")
    assert chosen["EAGER"] is True and chosen["APP_EAGER"] is True
    assert not chosen["BROKER"].startswith("redis")
    assert chosen["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert chosen["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert len(chosen["KEYS"]) == 1  # the development key


def test_database_url_switches_to_postgresql():
    chosen = settings_with(DATABASE_URL="postgres://smf:pw@db.internal:5433/casework")
    assert chosen["ENGINE"] == "django.db.backends.postgresql"
    assert (chosen["HOST"], chosen["PORT"], chosen["NAME"], chosen["USER"]) == (
        "db.internal",
        5433,
        "casework",
        "smf",
    )


def test_redis_url_makes_redis_the_broker_and_result_backend():
    url = "redis://redis.internal:6379/3"
    chosen = settings_with(REDIS_URL=url)
    assert chosen["EAGER"] is False and chosen["APP_EAGER"] is False
    assert chosen["BROKER"] == url and chosen["BACKEND"] == url
    assert chosen["APP_BROKER"] == url
    assert chosen["APP_ACKS_LATE"] is True


def test_secret_key_alone_turns_debug_off():
    chosen = settings_with(**{k: v for k, v in PRODUCTION.items() if k != "DEBUG"})
    assert chosen["DEBUG"] is False


def test_production_defaults_are_secure():
    chosen = settings_with(**PRODUCTION)
    assert chosen["DEBUG"] is False
    assert chosen["SECURE_SSL_REDIRECT"] is True
    assert chosen["SESSION_COOKIE_SECURE"] is True
    assert chosen["PROXY"] is None  # X-Forwarded-Proto is trusted only when told
    assert chosen["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert chosen["STATICFILES_STORAGE"].startswith("whitenoise.")
    assert chosen["ALLOWED_HOSTS"] == ["cases.example.org"]


def test_behind_proxy_trusts_forwarded_proto():
    chosen = settings_with(**PRODUCTION, BEHIND_PROXY="1")
    assert chosen["PROXY"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_key_list_admins_and_time_zone_are_read_from_the_environment():
    chosen = settings_with(
        **{
            **PRODUCTION,
            "FIELD_ENCRYPTION_KEYS": " new-key , old-key ,",
            "ADMINS": "ops@example.org,it@example.org",
            "TIME_ZONE": "UTC",
        }
    )
    assert chosen["KEYS"] == ["new-key", "old-key"]
    assert chosen["ADMINS"] == [
        ["ops@example.org", "ops@example.org"],
        ["it@example.org", "it@example.org"],
    ]
    assert chosen["TIME_ZONE"] == "UTC" and chosen["CELERY_TIMEZONE"] == "UTC"
