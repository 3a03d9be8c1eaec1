"""The ground's job lifecycle (smf/core/jobs.py): claim once and count the
attempt, beat a heartbeat from a thread during one long step, re-queue a job
whose heartbeat stopped (and fail it after its attempts), send again a queued
job whose message may have been lost. The impact report's rows stand in for
any model's job rows."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from reports.models import ImpactReport
from smf.core import jobs

TASK = "reports.tasks.impact_report_compile"
MINUTE = timedelta(minutes=1)


def row(**kw) -> ImpactReport:
    version = ImpactReport.objects.count() + 1
    return ImpactReport.objects.create(year=2031, version=version, **kw)


def gone(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


def requeue_stale(**kw):
    args = {
        "task_name": TASK,
        "stale_after": 3 * MINUTE,
        "max_attempts": 3,
        "failed_reason": lambda n: f"stopped during {n} attempts",
    }
    return jobs.jobs_requeue_stale(ImpactReport.objects, **{**args, **kw})


@pytest.mark.django_db
def test_a_claim_counts_the_attempt_and_a_second_claim_does_nothing():
    job = row()
    assert jobs.job_claim(ImpactReport.objects, job_id=job.pk, progress=5)
    assert not jobs.job_claim(ImpactReport.objects, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("running", 1, 5)
    assert job.heartbeat_at is not None


@pytest.mark.django_db
def test_a_running_job_with_an_old_heartbeat_is_requeued_and_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    job = row(status="running", attempts=1, heartbeat_at=gone(4), progress=60)
    with mock.patch("smf.core.queue.enqueue", return_value=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            result = requeue_stale(requeue_values={"progress": 0})
    assert result == {"requeued": [job.pk], "failed": []}
    enqueue.assert_called_once_with(TASK, job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == ("queued", 0, 1)
    # The next delivery's claim counts the second attempt.
    assert jobs.job_claim(ImpactReport.objects, job_id=job.pk)
    job.refresh_from_db()
    assert job.attempts == 2


@pytest.mark.django_db
def test_a_job_that_lost_its_worker_max_times_is_failed_with_the_reason():
    job = row(status="running", attempts=3, heartbeat_at=gone(4))
    with mock.patch("smf.core.queue.enqueue") as enqueue:
        assert requeue_stale() == {"requeued": [], "failed": [job.pk]}
    enqueue.assert_not_called()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "stopped during 3 attempts"
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_beating_job_and_jobs_in_other_states_are_left_alone():
    beating = row(status="running", attempts=1, heartbeat_at=gone(1))
    others = [row(status=s, attempts=1, heartbeat_at=gone(60)) for s in ("done", "failed")]
    assert requeue_stale() == {"requeued": [], "failed": []}
    assert ImpactReport.objects.get(pk=beating.pk).status == "running"
    assert [ImpactReport.objects.get(pk=o.pk).status for o in others] == ["done", "failed"]


@pytest.mark.django_db
def test_a_running_job_that_never_beat_is_judged_by_its_creation():
    job = row(status="running", attempts=1)
    assert requeue_stale()["requeued"] == []
    ImpactReport.objects.filter(pk=job.pk).update(created_at=gone(10))
    assert requeue_stale()["requeued"] == [job.pk]


@pytest.mark.django_db
def test_a_queued_job_whose_message_may_be_lost_is_sent_again_once_per_interval(
    django_capture_on_commit_callbacks,
):
    lost = row()
    ImpactReport.objects.filter(pk=lost.pk).update(created_at=gone(5))
    fresh = row()
    with mock.patch("smf.core.queue.enqueue", return_value=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.jobs_resend_queued(
                ImpactReport.objects, task_name=TASK, queued_for=2 * MINUTE
            ) == [lost.pk]
            # Sent just now: the next sweep a minute later leaves it be.
            later = timezone.now() + MINUTE
            assert (
                jobs.jobs_resend_queued(
                    ImpactReport.objects, task_name=TASK, queued_for=2 * MINUTE, now=later
                )
                == []
            )
    enqueue.assert_called_once_with(TASK, lost.pk)
    assert ImpactReport.objects.get(pk=fresh.pk).heartbeat_at is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_updates_the_row_during_one_long_step():
    job = row(status="running", attempts=1, heartbeat_at=gone(10))
    ours = ImpactReport.objects.filter(pk=job.pk, status="running", attempts=1)
    before = job.heartbeat_at
    with jobs.job_heartbeat(ours, every=0.05) as beat:
        # The long step: this thread is busy and writes nothing.
        deadline = time.monotonic() + 30
        while beat.beats < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert beat.beats >= 3
    assert not beat.is_alive()  # stopped, its connection closed, with the block
    job.refresh_from_db()
    assert job.heartbeat_at > before and timezone.now() - job.heartbeat_at < MINUTE


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stops_by_itself_once_the_job_is_no_longer_ours():
    job = row(status="running", attempts=1, heartbeat_at=gone(10))
    ours = ImpactReport.objects.filter(pk=job.pk, status="running", attempts=1)
    with jobs.job_heartbeat(ours, every=0.05) as beat:
        # The sweep took the job for dead and another worker claimed it.
        ImpactReport.objects.filter(pk=job.pk).update(attempts=2, heartbeat_at=gone(10))
        beat.join(timeout=30)
        assert not beat.is_alive()
    job.refresh_from_db()
    assert job.heartbeat_at < gone(5)  # the old run kept nobody's heartbeat alive
