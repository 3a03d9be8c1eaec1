"""A worker killed mid-report costs minutes, not half an hour.

Real Celery workers run as subprocesses against Redis and PostgreSQL (the test
database, which a subprocess can reach; SQLite's in-memory one it cannot). The
first worker's child is killed with SIGKILL in the middle of the PDF render, as
the out-of-memory killer would; a new worker starts, the sweep (run by beat
every minute) finds the silent heartbeat and re-queues the job, and the new
worker finishes it. Skips without Redis or PostgreSQL except in CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from reports import services
from reports.models import ImpactReport
from tests.celery_support import broker_at
from tests.conftest import require_postgres, require_redis

pytestmark = [
    pytest.mark.needs_redis,
    pytest.mark.needs_postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(django_settings.BASE_DIR)
# A year with no records keeps the render short: what is tested is the recovery.
YEAR = 2031
Status = ImpactReport.Status


def wait_for(what: str, condition: Callable[[], object], seconds: float, logs=()) -> object:
    """Poll until `condition()` is truthy (generous: a loaded 2-core machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"{what}: not within {seconds} s\n{tails}")


def start_worker(name: str, command: list[str], env: dict, log: Path) -> subprocess.Popen:
    options = [
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        "-n",
        f"{name}@%h",
    ]
    return subprocess.Popen(
        [sys.executable, *command, *options],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its children in a group of their own, ended with it
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # whatever it left of its own group
    except ProcessLookupError:
        pass
    worker.wait(timeout=30)


def test_a_worker_killed_mid_report_is_recovered_within_minutes(director, settings, tmp_path):
    url = require_redis()
    require_postgres()
    import redis

    redis.Redis.from_url(url).flushdb()  # no message left over from an earlier run
    db = connection.settings_dict
    pidfile = tmp_path / "slow-render.pid"
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REPORT_HEARTBEAT_SECONDS": "0.5",
        "SLOW_RENDER_PIDFILE": str(pidfile),
        "SLOW_RENDER_SECONDS": "600",
    }
    # The sweep runs here: silent for 5 s is dead, where the worker beats every 0.5 s.
    settings.REPORT_STALE_SECONDS = 5
    logs = [tmp_path / "first-worker.log", tmp_path / "second-worker.log"]

    with broker_at(url, settings):
        first = start_worker("first", ["-m", "tests.reports.slow_report_worker"], env, logs[0])
        try:
            report = services.report_request(
                user=director, year=YEAR, language="en", variant="internal"
            )
            assert report.sending.sent is True
            child = int(
                wait_for(
                    "the render started",
                    lambda: pidfile.exists() and pidfile.read_text(),
                    180,
                    logs,
                )
            )
            report.refresh_from_db()
            assert (report.status, report.progress, report.attempts) == (Status.RUNNING, 60, 1)

            # The heartbeat thread beats while the one long step (the render) runs.
            def beaten_since(moment):
                report.refresh_from_db()
                return report.heartbeat_at > moment

            wait_for(
                "a heartbeat during the render", lambda: beaten_since(report.heartbeat_at), 60, logs
            )
            os.kill(child, signal.SIGKILL)
        finally:
            stop_worker(first)

        report.refresh_from_db()
        assert report.status == Status.RUNNING  # "Running 60%", with a heartbeat that stopped
        killed_at = time.monotonic()

        second = start_worker("second", ["-m", "celery", "-A", "smf", "worker"], env, logs[1])
        try:
            wait_for(
                "the sweep re-queued the job",
                lambda: report.pk in services.impact_reports_requeue_stale()["requeued"],
                120,
                logs,
            )

            def finished():
                report.refresh_from_db()
                return report.status in (Status.DONE, Status.FAILED)

            wait_for("the second worker finished the job", finished, 240, logs)
        finally:
            stop_worker(second)

    assert report.status == Status.DONE, report.error
    assert report.attempts == 2
    assert (tmp_path / "media" / report.file.name).read_bytes().startswith(b"%PDF")
    # Seconds here (a 5-second threshold); with the production 3 minutes and a
    # sweep every minute, at most four minutes and the render.
    assert time.monotonic() - killed_at < 300
