"""An import's job and the files already imported."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedFile(models.Model):
    """A CSV file already imported, by checksum: the same file is refused twice."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=120)
    rows = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"


class ImportJob(models.Model):
    """A bulk import uploaded in the browser: validated first, written on confirm.

    The row is the truth and the queue only a wake-up: a job waiting for a
    worker has no heartbeat yet; a running one beats (`heartbeat_at`) and one
    whose beat stops is sent again, `attempts` counting how often a worker took
    it. `archive` names the uploaded zip, sealed (smf.core.sealed) under
    MEDIA_ROOT; it is deleted once the import is done or refused.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        VALID = "valid", _("Ready to import")
        CONFIRMED = "confirmed", _("Confirmed, waiting for the worker")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.uuid}"
