"""Background work of the reintegration team. Tasks take ids, never objects."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
)
def followup_digests_send() -> int:
    """Daily (settings.CELERY_BEAT_SCHEDULE): each officer's digest, once a day."""
    return services.followup_digests_send()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
)
def followup_at_risk_alert(visit_id: int) -> int:
    """Email the at-risk alert of one visit; a second run sends nothing."""
    return services.followup_at_risk_alert_send(visit_id=visit_id)
