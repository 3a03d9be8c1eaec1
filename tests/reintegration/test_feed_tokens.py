"""The calendar feed's secret address: it expires, every fetch is audited
(refused ones at a bounded rate), and the token is in no log line, no audit
line, no header and no error page or email."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.cache.backends import locmem
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reintegration import services
from reports.translations import compile_catalogues
from smf.log_redaction import PLACEHOLDER, FeedTokenFilter, redact
from smf.staff.models import AuditLog, StaffProfile

ROOT = Path(django_settings.BASE_DIR)
KHMER = re.compile(r"[\u1780-\u17ff]")


@pytest.fixture(autouse=True)
def _feed_settings(settings):
    settings.CALENDAR_FEED_DAYS = 90
    cache.clear()  # the once-a-minute "refused fetch" audit line
    yield
    cache.clear()


@pytest.fixture
def token(officer):
    return services.calendar_token_regenerate(user=officer)


def feed_url(token) -> str:
    return reverse("reintegration:feed", args=[token])


def made_ago(user, **delta) -> None:
    """Time travel: her token was made `delta` ago."""
    StaffProfile.objects.filter(user=user).update(
        calendar_token_created=timezone.now() - timedelta(**delta)
    )


def audit(action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action).order_by("id"))


def token_forms(token) -> list[str]:
    """Every way the token could be written down."""
    return [str(token), token.hex, str(token).upper(), token.hex.upper()]


def assert_no_token(text: str, token) -> None:
    for form in token_forms(token):
        assert form not in text


# --- Expiry -----------------------------------------------------------------------------


def test_a_fresh_address_serves_the_feed(client, token):
    assert client.get(feed_url(token)).status_code == 200


def test_an_expired_address_is_404_like_an_unknown_one(client, officer, token):
    made_ago(officer, days=90, seconds=1)
    expired = client.get(feed_url(token))
    unknown = client.get(feed_url(uuid.uuid4()))
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content


def test_an_address_works_until_calendar_feed_days_after_it_was_made(
    client, officer, token, settings
):
    made_ago(officer, days=89, hours=23)
    assert client.get(feed_url(token)).status_code == 200
    settings.CALENDAR_FEED_DAYS = 30  # a shorter limit ends the older addresses too
    assert client.get(feed_url(token)).status_code == 404
    settings.CALENDAR_FEED_DAYS = 365
    assert client.get(feed_url(token)).status_code == 200


def test_a_new_address_works_again_after_expiry(client, login, officer, token):
    made_ago(officer, days=200)
    login(officer).post(reverse("reintegration:feed_token"), {"action": "regenerate"})
    officer.staff_profile.refresh_from_db()
    new = officer.staff_profile.calendar_token
    assert new != token
    client.logout()
    assert client.get(feed_url(new)).status_code == 200
    assert client.get(feed_url(token)).status_code == 404


def test_a_token_always_carries_its_time_and_revoking_clears_both(officer, token):
    profile = StaffProfile.objects.get(user=officer)
    assert profile.calendar_token == token and profile.calendar_token_created is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(user=officer).update(calendar_token_created=None)
    services.calendar_token_revoke(user=officer)
    profile.refresh_from_db()
    assert profile.calendar_token is None and profile.calendar_token_created is None


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_the_upgrade_expire_calendar_feed_days_after_it():
    """Migration 0003 gives existing tokens the time it ran, not 'never expires'."""
    before_expiry = [("staff", "0002_auditlog_chain")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_expiry)
    try:
        old = executor.loader.project_state(before_expiry).apps
        User, Profile = old.get_model("auth", "User"), old.get_model("staff", "StaffProfile")
        Profile.objects.create(
            user=User.objects.create(username="early"), calendar_token=uuid.uuid4()
        )
        Profile.objects.create(user=User.objects.create(username="nofeed"))
        started = timezone.now()
        executor = MigrationExecutor(connection)
        executor.migrate([("staff", "0003_calendar_token_expiry")])
        finished = timezone.now()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    early = StaffProfile.objects.get(user__username="early")
    assert started <= early.calendar_token_created <= finished
    assert StaffProfile.objects.get(user__username="nofeed").calendar_token_created is None


# --- The settings page ------------------------------------------------------------------


def _shown(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


def test_the_feed_page_says_when_the_address_stops_working(login, officer, token):
    expires = StaffProfile.objects.get(user=officer).calendar_token_created + timedelta(days=90)
    page = login(officer).get(reverse("reintegration:feed_settings")).content.decode()
    assert f"This address works until {_shown(expires)}." in page
    assert str(token) in page and "Make a new address" in page


def test_the_feed_page_says_an_expired_address_stopped_and_offers_a_new_one(login, officer, token):
    made_ago(officer, days=100)
    expires = StaffProfile.objects.get(user=officer).calendar_token_created + timedelta(days=90)
    page = login(officer).get(reverse("reintegration:feed_settings")).content.decode()
    assert f"Your address stopped working on {_shown(expires)}." in page
    assert str(token) not in page  # an address that no longer works is not offered
    assert 'value="regenerate"' in page and "Make a new address" in page


@pytest.mark.parametrize("expired", [False, True])
def test_the_feed_page_says_when_in_khmer(client, officer, token, expired):
    if expired:
        made_ago(officer, days=100)
    expires = StaffProfile.objects.get(user=officer).calendar_token_created + timedelta(days=90)
    compile_catalogues()  # .mo files are not committed
    client.force_login(officer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "km"
    page = client.get(reverse("reintegration:feed_settings"), HTTP_ACCEPT_LANGUAGE="km")
    text = page.content.decode()
    sentence = re.search(r'<p[^>]*id="feed-expire[sd]"[^>]*>(.*?)</p>', text, re.S).group(1)
    assert _shown(expires) in sentence
    assert KHMER.search(sentence) and not re.search(r"[A-Za-z]{3,}", sentence)
    assert ("ឈប់ដំណើរការ" in sentence) is expired


# --- The audit of every fetch -----------------------------------------------------------


def test_every_fetch_writes_one_audit_line_with_no_token(client, officer, reintegrated, token):
    for _ in range(2):
        assert client.get(feed_url(token), REMOTE_ADDR="10.1.2.3").status_code == 200
    lines = audit("calendar_feed")
    assert len(lines) == 2
    assert all(line.user == officer for line in lines)
    assert lines[0].details == {"address": "10.1.2.3", "visits": 8}
    everything = json.dumps(
        list(AuditLog.objects.values("action", "case_code", "details")), default=str
    )
    assert_no_token(everything, token)


def test_refused_fetches_are_audited_at_most_once_a_minute_per_address(
    client, officer, token, monkeypatch
):
    unknown = uuid.uuid4()
    for _ in range(20):
        assert client.get(feed_url(unknown), REMOTE_ADDR="10.0.0.1").status_code == 404
    client.get(feed_url(unknown), REMOTE_ADDR="10.0.0.2")
    made_ago(officer, days=91)
    client.get(feed_url(token), REMOTE_ADDR="10.0.0.3")
    refused = audit("calendar_feed_refused")
    assert [(line.user, line.details) for line in refused] == [
        (None, {"address": "10.0.0.1", "reason": "unknown"}),
        (None, {"address": "10.0.0.2", "reason": "unknown"}),
        (officer, {"address": "10.0.0.3", "reason": "expired"}),
    ]
    assert audit("calendar_feed") == []
    # A minute later the next refusal from the first address is written again.
    later = locmem.time.time() + 61
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))
    client.get(feed_url(unknown), REMOTE_ADDR="10.0.0.1")
    assert len(audit("calendar_feed_refused")) == 4
    everything = json.dumps(list(AuditLog.objects.values("details")), default=str)
    assert_no_token(everything, token)
    assert_no_token(everything, unknown)


def test_a_fetch_for_an_owner_who_lost_the_agenda_is_refused_and_audited(client, officer, token):
    officer.groups.clear()
    assert client.get(feed_url(token), REMOTE_ADDR="10.0.0.4").status_code == 404
    (line,) = audit("calendar_feed_refused")
    assert line.user == officer and line.details == {"address": "10.0.0.4", "reason": "no_access"}


# --- No token in logs, headers, pages, emails -------------------------------------------


@pytest.mark.parametrize("state", ["unknown", "expired"])
def test_django_s_not_found_warning_shows_no_token(client, officer, token, caplog, state):
    if state == "expired":
        made_ago(officer, days=91)
        asked = token
    else:
        asked = uuid.uuid4()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(feed_url(asked)).status_code == 404
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Not Found: /reintegration/feed/{PLACEHOLDER}.ics"
    assert_no_token(caplog.text, asked)
    assert_no_token(repr(record.args) + str(record.msg), asked)


def test_the_development_server_s_request_line_shows_no_token(token, caplog):
    """As runserver's handler logs a request (django.core.servers.basehttp)."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.requestline = f"GET /reintegration/feed/{token}.ics HTTP/1.1"
    server_log = logging.getLogger("django.server")
    server_log.addHandler(caplog.handler)  # it does not propagate to the root
    try:
        handler.log_request(200, 1234)
    finally:
        server_log.removeHandler(caplog.handler)
    (record,) = [r for r in caplog.records if r.name == "django.server"]
    assert record.getMessage() == f'"GET /reintegration/feed/{PLACEHOLDER}.ics HTTP/1.1" 200 1234'
    assert_no_token(caplog.text, token)


GUNICORN_FORMATS = [
    '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s',  # the Dockerfile's
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',  # gunicorn's default
]


@pytest.mark.parametrize("access_format", GUNICORN_FORMATS)
def test_gunicorn_s_access_and_error_lines_show_no_token(token, capsys, access_format):
    from gunicorn.config import Config

    from smf.gunicorn_logging import RedactingLogger

    cfg = Config()
    cfg.set("logger_class", "smf.gunicorn_logging.RedactingLogger")
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", access_format)
    log = cfg.logger_class(cfg)
    assert isinstance(log, RedactingLogger)
    path = f"/reintegration/feed/{token}.ics"
    try:
        log.setup(cfg)  # a configuration reload does not stack filters
        assert sum(isinstance(f, FeedTokenFilter) for f in log.access_log.filters) == 1
        log.access(
            SimpleNamespace(status="404 Not Found", sent=179, headers=[]),
            SimpleNamespace(headers=[("USER-AGENT", "Calendar/1.0")]),
            {
                "REQUEST_METHOD": "GET",
                "RAW_URI": path.upper(),
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "10.0.0.9",
                "HTTP_USER_AGENT": "Calendar/1.0",
            },
            timedelta(milliseconds=12),
        )
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("Error handling request %s", path)
    finally:
        for logger in (log.access_log, log.error_log):
            for handler in [h for h in logger.handlers if getattr(h, "_gunicorn", False)]:
                logger.removeHandler(handler)
            for found in [f for f in logger.filters if isinstance(f, FeedTokenFilter)]:
                logger.removeFilter(found)
    out, err = capsys.readouterr()
    assert "10.0.0.9" in out and f"/feed/{PLACEHOLDER}.ics" in out.lower()
    assert f"Error handling request /reintegration/feed/{PLACEHOLDER}.ics" in err
    assert_no_token(out + err, token)


def test_the_image_starts_gunicorn_with_the_redacting_logger():
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = dockerfile[dockerfile.index('CMD ["gunicorn"') :]
    assert '"--logger-class", "smf.gunicorn_logging.RedactingLogger"' in command


def test_the_log_filter_redacts_every_written_form_of_a_token(token):
    for form in token_forms(token):
        assert redact(f"GET /reintegration/feed/{form}.ics") == (
            f"GET /reintegration/feed/{PLACEHOLDER}.ics"
        )
    escaped = str(token).replace("-", "%2D")
    assert redact(f"/feed/{escaped}.ics") == f"/feed/{PLACEHOLDER}.ics"
    # The settings page and its form are not tokens.
    for path in ["/reintegration/feed/", "/reintegration/feed/token/"]:
        assert redact(path) == path
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s %d", (f"/feed/{token}.ics", 7), None
    )
    assert FeedTokenFilter().filter(record) is True  # redacted, never dropped
    assert record.getMessage() == f"/feed/{PLACEHOLDER}.ics 7"


def test_the_feed_response_carries_no_token_in_its_headers(client, token):
    response = client.get(feed_url(token))
    assert response.status_code == 200
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    assert_no_token(headers, token)
    assert_no_token(response.content.decode(), token)


def test_the_not_found_page_does_not_echo_the_address(login, officer, token):
    """Not even in the layout's language switch, for her own expired address."""
    made_ago(officer, days=91)
    response = login(officer).get(feed_url(token))
    assert response.status_code == 404
    assert "navbar" in response.content.decode()  # the logged-in layout, switch included
    assert_no_token(response.content.decode(), token)


def test_a_server_error_on_the_feed_emails_and_shows_no_token(token, settings, monkeypatch):
    settings.ADMINS = [("ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broken(**kwargs):
        raise RuntimeError("the calendar could not be drawn")

    monkeypatch.setattr("reintegration.views.feed_render", broken)
    response = Client(raise_request_exception=False).get(feed_url(token))
    assert response.status_code == 500
    assert_no_token(response.content.decode(), token)
    (message,) = mail.outbox
    text = message.subject + message.body + "".join(str(a) for a in message.alternatives)
    assert f"/reintegration/feed/{PLACEHOLDER}.ics" in message.subject
    assert "RuntimeError" in text
    assert_no_token(text, token)
