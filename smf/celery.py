"""Celery application.

With REDIS_URL set, Redis is the broker and result backend and a real worker runs
the tasks; without it the tasks run in-process (see CELERY_TASK_ALWAYS_EAGER in
settings), so a laptop needs nothing but Python.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")

app = Celery("smf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
