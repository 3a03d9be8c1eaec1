"""A real Celery worker for integration tests (not eager mode).

Use the `celery_real_worker` fixture in a test marked
`@pytest.mark.django_db(transaction=True)`: the worker runs in a thread of this
process with its own database connection, consumes from the Redis of REDIS_URL,
and so exercises the broker, JSON serialisation and late acknowledgement.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from smf.celery import app
from tests.conftest import require_redis


def _close_worker_connections(**kwargs) -> None:
    # The worker thread opens its own database connections; left open, they
    # keep PostgreSQL from dropping the test database at the end of the run.
    connections.close_all()


def _forget_broker_connections() -> None:
    # The app keeps its producer pool for the broker it first sent to: after
    # the URL changes, the next send must look up the pool of the new one.
    # (kombu keeps one pool per broker URL, reused later: never closed here.)
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


@contextmanager
def broker_at(url: str, settings=None):
    """Send tasks to the broker at `url` (not eager) while the block runs.

    `redis://127.0.0.1:1/0`, a closed port, is a broker that is down. With
    pytest-django's `settings`, CELERY_TASK_ALWAYS_EAGER is switched there too.
    """
    # The app reads Django settings under the CELERY_ namespace: its keys must
    # be given with that prefix, or the update is silently ignored.
    previous = {
        "CELERY_TASK_ALWAYS_EAGER": app.conf.task_always_eager,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_RESULT_BACKEND": app.conf.result_backend,
    }
    _forget_broker_connections()
    app.conf.update(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url
    )
    if settings is not None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield app
    finally:
        _forget_broker_connections()
        app.conf.update(**previous)


@pytest.fixture
def celery_real_worker(settings):
    url = require_redis()
    with broker_at(url, settings):
        task_postrun.connect(_close_worker_connections, weak=False)
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
                yield w
        finally:
            task_postrun.disconnect(_close_worker_connections)
