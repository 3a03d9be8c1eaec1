"""A worker killed mid-import costs minutes, writes nothing, and the import
is done again by the next worker.

As tests/reports/test_report_worker_killed.py does for a report: real Celery
workers as subprocesses against Redis and PostgreSQL; the first worker's
child is killed with SIGKILL in the middle of the import's transaction (rows
written, not committed), as the out-of-memory killer would. Nothing of it
remains; the sweep finds the silent heartbeat and queues the job again, and
a new worker imports it, counting the second attempt.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases.models import Case
from smf.imports import jobs
from smf.imports.models import ImportJob
from tests.celery_support import broker_at
from tests.conftest import require_postgres, require_redis
from tests.reports.import_support import organisation_folder, zip_bytes
from tests.reports.test_report_worker_killed import start_worker, stop_worker, wait_for

pytestmark = [
    pytest.mark.needs_redis,
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
]
Status = ImportJob.Status


def test_a_worker_killed_mid_import_is_recovered_and_wrote_nothing(
    administrator, settings, tmp_path
):
    url = require_redis()
    require_postgres()
    import redis

    redis.Redis.from_url(url).flushdb()
    db = connection.settings_dict
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    pidfile = tmp_path / "slow-import.pid"
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": url,
        "MEDIA_ROOT": str(media),
        "IMPORT_HEARTBEAT_SECONDS": "0.5",
        "SLOW_IMPORT_PIDFILE": str(pidfile),
        "SLOW_IMPORT_SECONDS": "600",
    }
    settings.IMPORT_STALE_SECONDS = 5
    logs = [tmp_path / "first-worker.log", tmp_path / "second-worker.log"]
    archive = SimpleUploadedFile("export.zip", zip_bytes(organisation_folder()))

    def status():
        job.refresh_from_db()
        return job.status

    with broker_at(url, settings):
        first = start_worker("first", ["-m", "tests.imports.slow_import_worker"], env, logs[0])
        try:
            job = jobs.import_job_start(user=administrator, archive=archive)
            assert job.sending.sent is True
            wait_for("the check", lambda: status() == Status.VALID, 180, logs)
            assert jobs.import_job_confirm(job=job) and job.sending.sent is True
            child = int(
                wait_for(
                    "the write began", lambda: pidfile.exists() and pidfile.read_text(), 180, logs
                )
            )
            assert status() == Status.IMPORTING and job.attempts == 1
            os.kill(child, signal.SIGKILL)
        finally:
            stop_worker(first)

        assert status() == Status.IMPORTING  # with a heartbeat that stopped
        # The killed transaction took its rows with it.
        wait_for("the killed transaction ended", lambda: Case.objects.count() == 0, 60, logs)
        second = start_worker("second", ["-m", "celery", "-A", "smf", "worker"], env, logs[1])
        try:
            wait_for(
                "the sweep re-queued the job",
                lambda: job.pk in jobs.import_jobs_sweep()["requeued"],
                120,
                logs,
            )
            wait_for(
                "the second worker finished",
                lambda: status() in (Status.DONE, Status.FAILED),
                240,
                logs,
            )
        finally:
            stop_worker(second)

    assert job.status == Status.DONE, job.errors
    assert job.attempts == 2
    assert Case.objects.count() == 5
    assert not job.archive and list((media / "imports").iterdir()) == []
