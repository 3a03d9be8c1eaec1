"""Background work of the ground app."""

from __future__ import annotations

from celery import shared_task

from . import sessions


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sessions_sweep() -> int:
    """Hourly (settings.CELERY_BEAT_SCHEDULE): expired sessions and the rows of
    logins that ended by themselves are deleted; safe to run twice."""
    return sessions.sessions_sweep()
