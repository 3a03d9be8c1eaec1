"""Celery tasks of the bulk import."""
