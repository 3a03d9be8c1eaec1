"""Celery tasks of the reports app (the import's tasks live in tasks_import.py)."""

from .tasks_import import *  # noqa: F401,F403
