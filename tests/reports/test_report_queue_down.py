"""Redis down: asking for a report answers at once, the job is kept queued and
shown so, never a 500; the sweep sends it once the broker is back."""

from __future__ import annotations

import logging
import time

import pytest
from django.urls import reverse
from django.utils import translation

from reports import services, tasks
from reports.models import ImpactReport
from smf.core.queue import enqueue
from tests.celery_support import broker_at

pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens on port 1: a broker that is down (connection refused).
CLOSED_PORT = "redis://127.0.0.1:1/0"
YEAR = 2024  # a year the form takes, with no records: a short render
# Generous for a loaded machine: before, the request waited 19 s and failed.
QUICK = 5.0
QUEUED_MESSAGE = "Queued; it starts as soon as the worker is reachable."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ask(client):
    return client.post(
        reverse("reports:request"), {"year": YEAR, "language": "en", "variant": "internal"}
    )


def test_sending_to_a_broker_at_a_closed_port_gives_up_fast_and_does_not_raise(settings):
    with broker_at(CLOSED_PORT, settings):
        started = time.monotonic()
        assert enqueue("reports.tasks.impact_reports_requeue_stale") is False
        assert time.monotonic() - started < QUICK


def test_a_request_with_redis_down_answers_at_once_and_keeps_the_job_queued(
    director, login, settings, caplog, monkeypatch
):
    client = login(director)
    # Caught at the logger itself: another test's logging set-up (a library's
    # dictConfig) may have changed how records reach the root.
    # (An in-process Celery worker of an earlier test sets the root's level.)
    queue_log = logging.getLogger("smf.core.queue")
    monkeypatch.setattr(queue_log, "disabled", False)
    caplog.set_level(logging.WARNING, logger="smf.core.queue")
    queue_log.addHandler(caplog.handler)
    try:
        with broker_at(CLOSED_PORT, settings):
            started = time.monotonic()
            response = ask(client)
            took = time.monotonic() - started
    finally:
        queue_log.removeHandler(caplog.handler)
    assert response.status_code == 302 and took < QUICK, took
    report = ImpactReport.objects.get()
    assert (report.status, report.attempts) == (ImpactReport.Status.QUEUED, 0)
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert QUEUED_MESSAGE in text
    assert f'id="report-{report.uuid}"' in text and 'data-status="queued"' in text
    status = client.get(reverse("reports:status")).json()["reports"]
    assert [(r["uuid"], r["status"]) for r in status] == [(str(report.uuid), "queued")]
    # Logged with the task's name and the job's id, nothing else.
    [record, *_] = [r for r in caplog.records if r.name == "smf.core.queue"]
    assert f"reports.tasks.impact_report_compile({report.pk},)" in record.getMessage()


def test_the_queued_message_is_in_khmer_too(director, login, settings):
    client = login(director)
    client.cookies["django_language"] = "km"
    with broker_at(CLOSED_PORT, settings):
        response = ask(client)
    text = client.get(response.url, HTTP_ACCEPT_LANGUAGE="km").content.decode()
    with translation.override("km"):
        khmer = translation.gettext(
            "The %(year)s report (version %(version)s) is saved. Queued; it starts as "
            "soon as the worker is reachable."
        ) % {"year": YEAR, "version": 1}
    assert QUEUED_MESSAGE not in khmer and khmer in text


def test_the_sweep_sends_the_job_once_the_broker_is_back(director, settings, monkeypatch):
    monkeypatch.setattr(
        services,
        "impact_report_render",
        lambda **kw: (b"%PDF-1.7 fake", services.report_snapshot(YEAR)),
    )
    with broker_at(CLOSED_PORT, settings):
        report = services.report_request(user=director, year=YEAR, language="en", variant="public")
        assert report.sending.sent is False
        # While the broker is down the sweep's send fails too: still queued, no error.
        settings.REPORT_RESEND_SECONDS = 0
        assert services.impact_reports_requeue_stale()["resent"] == [report.pk]
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.QUEUED
    # The broker is back (here: tasks in-process): the next sweep sends it.
    assert tasks.impact_reports_requeue_stale.apply().get()["resent"] == [report.pk]
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE and report.attempts == 1


@pytest.mark.needs_redis
def test_on_a_real_worker_the_job_queued_while_redis_was_down_completes(
    celery_real_worker, director, settings
):
    with broker_at(CLOSED_PORT, settings):
        report = services.report_request(user=director, year=YEAR, language="en", variant="public")
    assert report.sending.sent is False
    settings.REPORT_RESEND_SECONDS = 0
    assert services.impact_reports_requeue_stale()["resent"] == [report.pk]
    deadline = time.monotonic() + 120
    while report.status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.25)
        report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE, report.error
    assert report.attempts == 1
