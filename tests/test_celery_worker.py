"""A real Celery worker against the Redis of REDIS_URL (not eager mode): a task
queued by the product reaches the worker as a JSON message, runs with its own
database connection, and its result reaches the database and the result backend.

Without REDIS_URL these tests skip with the reason shown (`-rs`); in CI
(SMF_REQUIRE_ALL_SERVICES=1) a missing Redis fails them instead.
"""

from __future__ import annotations

import pytest
from kombu.exceptions import EncodeError

from reports import services
from reports.models import ImpactReport
from reports.tasks import impact_report_compile
from smf.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

# A year with no records: the figures are all zero, which keeps the render short;
# what is tested here is the path through the broker, not the figures.
YEAR = 2031


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_worker_is_real_not_eager(celery_real_worker, settings):
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert app.conf.task_acks_late is True


def test_the_worker_compiles_a_report_into_the_database(celery_real_worker):
    report = ImpactReport.objects.create(year=YEAR, language="en", variant="public")
    result = impact_report_compile.delay(report.pk)
    assert result.get(timeout=120) == "done"
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE, report.error
    assert report.file.read().startswith(b"%PDF")
    expected = services.snapshot_to_json(services.report_snapshot(YEAR))
    assert report.figures["figures"] == expected["figures"]
    # A second delivery of the same job finds it finished and does nothing.
    assert impact_report_compile.delay(report.pk).get(timeout=60) == "skipped"
    report.refresh_from_db()
    assert report.attempts == 1


def test_task_arguments_must_be_json(celery_real_worker):
    # Objects (and so names inside them) never travel to the worker: ids only.
    report = ImpactReport.objects.create(year=YEAR, language="en", variant="public")
    with pytest.raises(EncodeError):
        impact_report_compile.delay(report)
