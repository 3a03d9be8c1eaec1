"""Celery tasks of the reports app."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Errors that may pass: the database restarting, a full or busy disk, Redis away.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, OSError)
MAX_RETRIES = 3
SOFT_LIMIT = 5 * 60  # a demo year renders in seconds; five minutes means trouble


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_LIMIT,
    time_limit=SOFT_LIMIT + 60,
    max_retries=MAX_RETRIES,
)
def impact_report_compile(self, report_id: int) -> str:
    """Compile one queued report; a second delivery of the same job does nothing."""
    try:
        report = services.impact_report_compile(report_id=report_id)
    except SoftTimeLimitExceeded:
        services.impact_report_fail(
            report_id=report_id,
            reason=f"The report took longer than {SOFT_LIMIT // 60} minutes and was stopped.",
        )
        return "failed"
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= MAX_RETRIES:
            services.impact_report_fail(
                report_id=report_id,
                reason=f"Gave up after {MAX_RETRIES + 1} tries: {type(error).__name__}: {error}",
            )
            return "failed"
        services.impact_report_requeue(report_id=report_id)
        countdown = 10 * 2**self.request.retries  # 10 s, 20 s, 40 s
        logger.warning("impact report %s: %s, retry in %ss", report_id, error, countdown)
        raise self.retry(exc=error, countdown=countdown) from error
    except DatabaseError as error:
        services.impact_report_fail(report_id=report_id, reason=f"Database error: {error}")
        return "failed"
    except Exception as error:  # noqa: BLE001 - any other failure is shown, not lost
        logger.exception("impact report %s failed", report_id)
        services.impact_report_fail(report_id=report_id, reason=f"{type(error).__name__}: {error}")
        return "failed"
    return "done" if report is not None else "skipped"


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def impact_reports_requeue_stale() -> dict:
    """Every minute: jobs whose worker died go back to the queue (or fail), and
    queued jobs whose message may have been lost are sent again."""
    return services.impact_reports_requeue_stale()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def impact_report_compile_previous_year() -> list[str]:
    """15 January: last year's report, in every language and variant."""
    return [str(r.uuid) for r in services.impact_report_compile_previous_year()]
