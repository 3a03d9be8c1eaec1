"""The daily digest through a real Celery worker and Redis (not eager mode)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reintegration import services, tasks

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


def test_the_beat_task_sends_each_digest_once_through_a_real_worker(
    celery_real_worker, resident, officer
):
    services.followup_add(
        case=resident,
        due_on=timezone.localdate() - timedelta(days=3),
        assigned_to=officer,
        user=officer,
    )
    assert tasks.followup_digests_send.delay().get(timeout=60) == 1
    assert tasks.followup_digests_send.delay().get(timeout=60) == 0
    assert [m.to for m in mail.outbox] == [["officer.td@example.org"]]
    assert resident.code in mail.outbox[0].body and "Sokha" not in mail.outbox[0].body
