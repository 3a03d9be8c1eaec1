"""Work queued by task name once the transaction commits.

A service says which task should run (`enqueue_on_commit("reintegration.tasks.
followup_at_risk_alert", visit.pk)`) and never imports the module that holds
it: the task module imports the services it calls, so the arrows point one
way. Each app's AppConfig.ready() imports its own tasks module, so every task
is registered by name in the web process as in the worker, and `delay` obeys
CELERY_TASK_ALWAYS_EAGER (tasks run in-process without Redis).
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *args) -> None:
    """Queue a registered task now (its arguments are ids, never names)."""
    current_app.tasks[task_name].delay(*args)


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue a registered task once the current transaction commits."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
