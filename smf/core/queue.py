"""Work queued by task name once the transaction commits.

A service says which task should run (`enqueue_on_commit("reintegration.tasks.
followup_at_risk_alert", visit.pk)`) and never imports the module that holds
it: the task module imports the services it calls, so the arrows point one
way. Each app's AppConfig.ready() imports its own tasks module, so every task
is registered by name in the web process as in the worker, and sending obeys
CELERY_TASK_ALWAYS_EAGER (tasks run in-process without Redis).

The job row is the truth and the message only a wake-up: sending never raises
to the request. A broker that is down gives up within about two seconds (the
socket timeouts and publish retry policy in settings), is logged with the task
name and ids only, and leaves the row as it was, queued; the job's sweep
(smf/core/jobs.py, run by beat) sends it again once the broker is back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)


@dataclass
class Sending:
    """A message queued on commit: `sent` is None until the commit, then True or False."""

    task_name: str
    sent: bool | None = None


def enqueue(task_name: str, *args) -> bool:
    """Queue a registered task now (its arguments are ids, never names).

    False when the broker could not be reached: logged, never raised. No result
    is kept (the job row says how it went), so sending touches only the broker.
    """
    try:
        current_app.tasks[task_name].apply_async(args=args, ignore_result=True)
    except BrokerUnreachable as error:
        # Celery raises connection and timeout errors of every transport as
        # kombu's OperationalError; the message text names the host, not data.
        logger.warning(
            "task %s%r not sent, the broker is unreachable (%s: %s); its job stays queued",
            task_name,
            args,
            type(error).__name__,
            error,
        )
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> Sending:
    """Queue a registered task once the current transaction commits.

    The returned `Sending` tells the caller, after the commit, whether the
    message went out (outside a transaction the commit is now, so at once).
    """
    sending = Sending(task_name)

    def send() -> None:
        sending.sent = enqueue(task_name, *args)

    transaction.on_commit(send)
    return sending
