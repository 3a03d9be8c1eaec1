"""A real Celery worker against Redis (not eager mode) runs report jobs to done,
including one whose first worker died mid-job. Skips without REDIS_URL except in CI."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from reports import services
from reports.models import ImpactReport
from tests.reports.test_report_pdf import YEAR, build_year

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_finished(report: ImpactReport, seconds: float = 120) -> ImpactReport:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (ImpactReport.Status.DONE, ImpactReport.Status.FAILED):
            return report
        time.sleep(0.25)
    pytest.fail(f"report still {report.status} after {seconds} s")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_real_worker_runs_a_report_request_to_done(celery_real_worker, director):
    build_year()
    with transaction.atomic():
        report = services.report_request(user=director, year=YEAR, language="en", variant="public")
    report = wait_until_finished(report)
    assert report.status == ImpactReport.Status.DONE, report.error
    assert report.file.read().startswith(b"%PDF")
    assert report.figures["figures"]["outreach.contacts"] == 12345


def test_real_worker_finishes_a_job_whose_worker_was_killed(celery_real_worker, director):
    old = timezone.now() - timedelta(hours=1)
    report = ImpactReport.objects.create(
        year=YEAR, language="km", status="running", attempts=1, started_at=old, heartbeat_at=old
    )
    with transaction.atomic():
        assert services.impact_reports_requeue_stale()["requeued"] == [report.pk]
    report = wait_until_finished(report)
    assert report.status == ImpactReport.Status.DONE and report.attempts == 2
