"""Celery tasks of the bulk import.

Each task takes an ImportJob id (never file content or names), calls one
service of reports.importing, and is safe to run twice: the services only
touch a job still in the status the task expects (a conditional UPDATE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task
from django.db import DatabaseError

from reports.importing import (
    import_job_check,
    import_job_fail,
    import_job_run,
    import_jobs_expire,
)
from reports.models import ImportJob

logger = logging.getLogger(__name__)

RETRIES = 3
GAVE_UP = (
    "The import stopped on an unexpected error; nothing was written. "
    "Ask the system administrator to look at the worker log."
)


def _run_guarded(task, job_id: int, service: Callable[..., str], from_status: str) -> str:
    """Run a job service; retry a database hiccup with backoff, and never leave a
    job silently stuck: after the last try, or on any other error, it is failed."""
    try:
        return service(job_id=job_id)
    except DatabaseError as error:
        if task.request.retries < RETRIES:
            raise task.retry(exc=error, countdown=10 * 2**task.request.retries) from error
        logger.exception("import job %s failed after %s tries", job_id, RETRIES + 1)
        import_job_fail(job_id=job_id, from_status=from_status, reason=GAVE_UP)
        raise
    except Exception:
        logger.exception("import job %s failed", job_id)
        import_job_fail(job_id=job_id, from_status=from_status, reason=GAVE_UP)
        raise


@shared_task(bind=True, acks_late=True, max_retries=RETRIES, time_limit=15 * 60)
def import_job_check_task(self, job_id: int) -> str:
    """Validate an uploaded archive: the browser's dry run."""
    return _run_guarded(self, job_id, import_job_check, ImportJob.Status.VALIDATING)


@shared_task(bind=True, acks_late=True, max_retries=RETRIES, time_limit=30 * 60)
def import_job_run_task(self, job_id: int) -> str:
    """Write a confirmed import, all or nothing."""
    return _run_guarded(self, job_id, import_job_run, ImportJob.Status.IMPORTING)


@shared_task(acks_late=True)
def import_jobs_expire_task() -> int:
    """Daily: delete the archives of checked imports nobody confirmed."""
    return import_jobs_expire()
