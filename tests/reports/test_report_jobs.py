"""The report job: queued after commit, claimed once, retried, failed visibly,
re-queued when its worker died, versioned, frozen, announced by email."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from reports import services, tasks
from reports.models import ImpactReport
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2011


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fast_render(monkeypatch):
    """The job machinery without WeasyPrint's seconds (the PDF has its own tests)."""
    real = services.impact_report_render

    def render(**kw):
        snapshot = kw.get("snapshot") or services.report_snapshot(kw["year"])
        if kw.get("on_step"):
            kw["on_step"](50, "layout")
        return b"%PDF-1.7 fake", snapshot

    monkeypatch.setattr(services, "impact_report_render", render)
    return real


def request(director, **kw):
    args = {"year": YEAR, "language": "en", "variant": "internal", **kw}
    return services.report_request(user=director, **args)


def test_request_is_queued_and_runs_only_after_commit(
    director, fast_render, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request(director)
    assert report.status == ImpactReport.Status.QUEUED and len(callbacks) == 1
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE
    assert report.progress == 100 and report.attempts == 1 and report.file


def test_a_second_delivery_of_the_same_job_does_nothing(
    director, fast_render, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = request(director)
    report.refresh_from_db()
    finished = report.finished_at
    assert tasks.impact_report_compile.apply(args=[report.pk]).get() == "skipped"
    report.refresh_from_db()
    assert report.attempts == 1 and report.finished_at == finished


def test_figures_are_frozen_in_the_record(
    director, fast_render, django_capture_on_commit_callbacks
):
    factories.outreach_visit(contacts=100)
    with django_capture_on_commit_callbacks(execute=True):
        report = request(director)
    factories.outreach_visit(contacts=50)  # records change after publication
    report.refresh_from_db()
    assert report.figures["figures"]["outreach.contacts"] == 100
    frozen = services.snapshot_from_json(report.figures)
    assert frozen["figures"]["outreach.contacts"] == 100


def test_a_new_request_is_a_new_version_and_the_old_one_stays(
    director, fast_render, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = request(director)
        second = request(director)
        khmer = request(director, language="km")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version, khmer.version) == (1, 2, 1)
    assert first.status == second.status == ImpactReport.Status.DONE
    assert first.file.name != second.file.name and first.file.storage.exists(first.file.name)


def test_a_failing_render_leaves_the_job_failed_with_the_reason(
    director, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kw):
        raise ValueError("no font for this script")

    monkeypatch.setattr(services, "impact_report_render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = request(director)
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.FAILED
    assert "no font for this script" in report.error and report.finished_at


def test_a_transient_error_is_retried_then_succeeds(
    director, fast_render, monkeypatch, django_capture_on_commit_callbacks
):
    calls = {"n": 0}
    real = services.impact_report_render

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kw)

    monkeypatch.setattr(services, "impact_report_render", flaky)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request(director)
    with mock.patch.object(
        tasks.impact_report_compile, "retry", side_effect=RuntimeError("retry")
    ) as retry:
        with pytest.raises(RuntimeError):
            callbacks[0]()
    assert retry.call_args.kwargs["countdown"] == 10
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.QUEUED  # handed back for the retry
    tasks.impact_report_compile.apply(args=[report.pk])  # the retry's delivery
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE and report.attempts == 2


def test_transient_errors_give_up_after_the_last_retry(director, monkeypatch):
    monkeypatch.setattr(
        services, "impact_report_render", mock.Mock(side_effect=OperationalError("db away"))
    )
    report = ImpactReport.objects.create(year=YEAR, requested_by=director)
    result = tasks.impact_report_compile.apply(args=[report.pk], retries=tasks.MAX_RETRIES).get()
    report.refresh_from_db()
    assert result == "failed" and report.status == ImpactReport.Status.FAILED
    assert "db away" in report.error


def test_a_job_whose_worker_was_killed_is_requeued_and_completes(
    director, fast_render, django_capture_on_commit_callbacks
):
    # The worker claimed the job, then died: running, with a heartbeat long gone.
    old = timezone.now() - timedelta(hours=1)
    report = ImpactReport.objects.create(
        year=YEAR,
        requested_by=director,
        status="running",
        attempts=1,
        started_at=old,
        heartbeat_at=old,
    )
    # Redelivery of the killed task (acks_late) finds it running: it must not run twice.
    assert tasks.impact_report_compile.apply(args=[report.pk]).get() == "skipped"
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.impact_reports_requeue_stale.apply().get()
    assert result == {"requeued": [report.pk], "failed": [], "resent": []}
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE and report.attempts == 2


def test_a_job_that_kills_its_worker_every_time_is_failed_not_looped(director, fast_render):
    old = timezone.now() - timedelta(hours=1)
    report = ImpactReport.objects.create(
        year=YEAR, status="running", attempts=services.MAX_ATTEMPTS, heartbeat_at=old
    )
    assert services.impact_reports_requeue_stale() == {
        "requeued": [],
        "failed": [report.pk],
        "resent": [],
    }
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.FAILED and "3 attempts" in report.error


def test_a_fresh_running_job_is_left_alone(director):
    report = ImpactReport.objects.create(
        year=YEAR, status="running", attempts=1, heartbeat_at=timezone.now()
    )
    assert services.impact_reports_requeue_stale() == {"requeued": [], "failed": [], "resent": []}
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.RUNNING


def test_beat_compiles_the_previous_year_on_15_january(
    fast_render, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reports = services.impact_report_compile_previous_year(today=date(2012, 1, 15))
    assert {(r.year, r.language, r.variant) for r in reports} == {
        (2011, "en", "internal"),
        (2011, "en", "public"),
        (2011, "km", "internal"),
        (2011, "km", "public"),
    }
    assert set(ImpactReport.objects.values_list("status", flat=True)) == {"done"}


def test_beat_schedule_names_the_tasks(settings):
    from smf.celery import app

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "reports.tasks.impact_report_compile_previous_year",
        "reports.tasks.impact_reports_requeue_stale",
    } <= names
    app.loader.import_default_modules()
    assert "reports.tasks.impact_report_compile_previous_year" in app.tasks
    assert "reports.tasks.impact_reports_requeue_stale" in app.tasks


def test_the_director_gets_a_link_by_email_never_figures(
    director, fast_render, django_capture_on_commit_callbacks
):
    case = factories.case(given_name="Sophea", family_name="Chan")
    factories.stay(case, admitted_on=date(YEAR, 2, 1))
    factories.outreach_visit(contacts=12345)
    with django_capture_on_commit_callbacks(execute=True):
        report = request(director)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["director@example.org"]
    assert f"#report-{report.uuid}" in message.body and "/reports/" in message.body
    assert "12345" not in message.body and "12,345" not in message.body
    assert "Sophea" not in message.body and case.code not in message.body


def test_task_arguments_are_ids_only(director, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.impact_report_compile, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            report = request(director)
    send.assert_called_once_with(args=(report.pk,), ignore_result=True)
    assert report.sending.sent is True
