"""Celery tasks of the bulk import.

Each task takes an ImportJob id (never file content or names) and calls one
service of smf.imports.jobs; a second delivery of the same message does
nothing (the services claim the job with a conditional UPDATE). A worker
killed mid-job is not retried by Celery: the sweep finds the silent job and
re-queues it, counting the attempt.
"""

from __future__ import annotations

import logging

from celery import shared_task

from .jobs import (
    import_job_check,
    import_job_fail,
    import_job_run,
    import_jobs_expire,
    import_jobs_sweep,
)

logger = logging.getLogger(__name__)

GAVE_UP = (
    "The import stopped on an unexpected error; nothing was written. "
    "Ask the system administrator to look at the worker log."
)


def _run_guarded(job_id: int, service) -> str:
    """Never leave a job silently stuck: any unexpected error fails it."""
    try:
        return service(job_id=job_id)
    except Exception:
        logger.exception("import job %s failed", job_id)
        import_job_fail(job_id=job_id, reason=GAVE_UP)
        raise


@shared_task(acks_late=True, time_limit=60 * 60)
def import_job_check_task(job_id: int) -> str:
    """Check an uploaded archive: the browser's dry run."""
    return _run_guarded(job_id, import_job_check)


@shared_task(acks_late=True, time_limit=2 * 60 * 60)
def import_job_run_task(job_id: int) -> str:
    """Write a confirmed import, all or nothing."""
    return _run_guarded(job_id, import_job_run)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def import_jobs_sweep_task() -> dict:
    """Every minute: lost messages sent again, jobs of killed workers re-queued."""
    return import_jobs_sweep()


@shared_task(acks_late=True)
def import_jobs_expire_task() -> int:
    """Daily: jobs nobody confirmed or finished expire, with their archives."""
    return import_jobs_expire()
