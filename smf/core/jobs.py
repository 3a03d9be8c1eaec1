"""Background jobs whose row is the truth and whose queue message is only a wake-up.

A job row carries a status (queued, running, failed, and whatever else its
model needs), a heartbeat timestamp, an attempts counter, an error text and a
finished timestamp. A model names those fields and states once in a `JobFields`;
these helpers then hold the whole lifecycle, knowing no domain:

- `job_claim`: the task's first step, a conditional UPDATE queued -> running
  that counts the attempt, so a second delivery of the same message does nothing;
- `job_heartbeat`: a context manager the running job holds; a background thread
  touches the heartbeat every few seconds, so one long step (a PDF render, a
  COPY) still shows the worker alive;
- `jobs_requeue_stale`: running rows whose heartbeat stopped lost their worker
  (killed, out of memory, host gone): back to queued and sent again, or failed
  with a reason once they have had their attempts;
- `jobs_resend_queued`: queued rows whose message may have been lost (the broker
  was down when they were queued, or Redis lost its data): sent again.

The two sweeps run from one beat task of the model's app, every minute. The
messages they send are ids only (smf/core/queue.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .queue import enqueue_on_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobFields:
    """The field names and status values of one model's job rows."""

    status: str = "status"
    queued: str = "queued"
    running: str = "running"
    failed: str = "failed"
    heartbeat: str = "heartbeat_at"
    created: str = "created_at"
    attempts: str = "attempts"
    error: str = "error"
    finished: str = "finished_at"


DEFAULT_FIELDS = JobFields()


def job_claim(jobs: QuerySet, *, job_id: int, fields: JobFields = DEFAULT_FIELDS, **values) -> bool:
    """queued -> running for one row, counting the attempt; False if it was not queued.

    `values` are further fields to set in the same UPDATE (progress, started_at).
    """
    now = timezone.now()
    return bool(
        jobs.filter(pk=job_id, **{fields.status: fields.queued}).update(
            **{
                fields.status: fields.running,
                fields.attempts: F(fields.attempts) + 1,
                fields.heartbeat: now,
                **values,
            }
        )
    )


class _Heartbeat(threading.Thread):
    def __init__(self, rows: QuerySet, every: float, field: str):
        super().__init__(name="job-heartbeat", daemon=True)
        self.rows = rows
        self.every = every
        self.field = field
        self.stopping = threading.Event()
        self.beats = 0

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.every):
                try:
                    touched = self.rows.update(**{self.field: timezone.now()})
                except DatabaseError as error:
                    # A missed beat is not the job's failure: the next may pass.
                    logger.warning("job heartbeat missed: %s", type(error).__name__)
                    for connection in connections.all(initialized_only=True):
                        connection.close_if_unusable_or_obsolete()
                    continue
                if not touched:  # finished, or no longer ours: nothing to keep alive
                    return
                self.beats += 1
        finally:
            # This thread's own connections (Django's are per thread).
            connections.close_all()


@contextmanager
def job_heartbeat(
    rows: QuerySet, *, every: float, field: str = "heartbeat_at"
) -> Iterator[_Heartbeat]:
    """While the block runs, set `field` of `rows` to now every `every` seconds.

    `rows` is the running job as a queryset, narrowed so that a job no longer
    running under this attempt stops the beat, e.g.
    `Job.objects.filter(pk=job_id, status="running", attempts=attempt)`. The
    beat runs in a daemon thread with its own database connection, closed when
    the block ends; a worker that dies takes the thread with it, and the beat
    stops, which is what the stale sweep looks for.
    """
    beat = _Heartbeat(rows, every, field)
    beat.start()
    try:
        yield beat
    finally:
        beat.stopping.set()
        beat.join(timeout=5)


def _silent_since(fields: JobFields, cutoff: datetime) -> Q:
    """No sign of life since `cutoff`: the last beat (or, never beaten, the creation) is older."""
    return Q(**{f"{fields.heartbeat}__lt": cutoff}) | Q(
        **{f"{fields.heartbeat}__isnull": True, f"{fields.created}__lt": cutoff}
    )


def jobs_requeue_stale(
    jobs: QuerySet,
    *,
    task_name: str,
    stale_after: timedelta,
    max_attempts: int,
    failed_reason: Callable[[int], Any],
    fields: JobFields = DEFAULT_FIELDS,
    requeue_values: Mapping | None = None,
    now: datetime | None = None,
) -> dict[str, list[int]]:
    """Running jobs without a heartbeat for `stale_after` go back to the queue.

    Each is set queued (with `requeue_values`, e.g. progress back to 0) and its
    task sent with the job's id after the commit; a job already tried
    `max_attempts` times is failed instead, with `failed_reason(attempts)` as
    its error (a text, or whatever the model's error field holds), so a job
    that kills its worker every time never loops. Returns the ids, as
    {"requeued": [...], "failed": [...]}.
    """
    now = now or timezone.now()
    silent = _silent_since(fields, now - stale_after)
    stale = jobs.filter(silent, **{fields.status: fields.running})
    requeued, failed = [], []
    for job_id, attempts in stale.values_list("pk", fields.attempts):
        # Conditional on the state just read, so a job that beat or finished
        # meanwhile, or that another sweep took, is left alone.
        still_stale = jobs.filter(
            silent, pk=job_id, **{fields.status: fields.running, fields.attempts: attempts}
        )
        if attempts >= max_attempts:
            if still_stale.update(
                **{
                    fields.status: fields.failed,
                    fields.error: failed_reason(attempts),
                    fields.finished: now,
                }
            ):
                failed.append(job_id)
            continue
        if still_stale.update(
            **{fields.status: fields.queued, fields.heartbeat: now, **(requeue_values or {})}
        ):
            requeued.append(job_id)
            enqueue_on_commit(task_name, job_id)
    if requeued or failed:
        logger.warning("%s: stale running jobs requeued %s, failed %s", task_name, requeued, failed)
    return {"requeued": requeued, "failed": failed}


def jobs_resend_queued(
    jobs: QuerySet,
    *,
    task_name: str,
    queued_for: timedelta,
    fields: JobFields = DEFAULT_FIELDS,
    now: datetime | None = None,
) -> list[int]:
    """Queued jobs waiting longer than `queued_for` get their message sent again.

    The message may never have left (the broker was down at the request) or
    may have been lost with Redis's data. The heartbeat field records the
    send, so each job is sent at most once per `queued_for`; the task's claim
    makes a message that was not lost after all harmless. Returns the ids.
    """
    now = now or timezone.now()
    cutoff = now - queued_for
    silent = _silent_since(fields, cutoff)
    waiting = jobs.filter(silent, **{fields.status: fields.queued})
    resent = []
    for job_id in waiting.values_list("pk", flat=True):
        # Conditional, so a job claimed meanwhile is not sent again.
        if jobs.filter(silent, pk=job_id, **{fields.status: fields.queued}).update(
            **{fields.heartbeat: now}
        ):
            resent.append(job_id)
            enqueue_on_commit(task_name, job_id)
    if resent:
        logger.info("%s: queued jobs sent again %s", task_name, resent)
    return resent
