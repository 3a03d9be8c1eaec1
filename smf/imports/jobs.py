"""Browser imports: an ImportJob checked, then imported, by Celery tasks.

The row is the truth and the queue only a wake-up (smf/core/jobs.py): an
upload is sealed to disk and its job committed as queued before any message
is sent, so a broker that is down costs a wait, never the upload. A worker
claims the job with a conditional UPDATE that counts the attempt, and beats a
heartbeat while it works; the sweep (beat, every minute) sends again the jobs
whose message may be lost and re-queues those whose heartbeat stopped (a
killed worker), failing a job after MAX_ATTEMPTS so that an archive that
kills its worker never loops.

The uploaded archive is sealed (encrypted under the field keys, mode 0600,
named by the job's uuid) and read through smf.core.sealed without ever being
unpacked to disk; it is deleted as soon as the import is done or refused, and
jobs in every state expire with it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from smf.core.jobs import (
    JobFields,
    job_claim,
    job_heartbeat,
    jobs_requeue_stale,
    jobs_resend_queued,
)
from smf.core.queue import enqueue_on_commit
from smf.core.sealed import SealBroken, seal_file, sealed_open

from .archive import ImportRejected, source_from_zip
from .models import ImportJob
from .validate import Progress, records_validate
from .write import records_import

logger = logging.getLogger(__name__)
Status = ImportJob.Status

CHECK_TASK = "smf.imports.tasks.import_job_check_task"
RUN_TASK = "smf.imports.tasks.import_job_run_task"
# The check and the import, each a job lifecycle of its own on the same row.
CHECK = JobFields(
    queued=Status.QUEUED, running=Status.VALIDATING, failed=Status.FAILED, error="errors"
)
RUN = JobFields(
    queued=Status.CONFIRMED, running=Status.IMPORTING, failed=Status.FAILED, error="errors"
)
PHASES = ((CHECK, CHECK_TASK), (RUN, RUN_TASK))
MAX_ATTEMPTS = 3
# An error list longer than this is cut when stored on the job (the first ones
# are the useful ones: fix them and upload again).
MAX_STORED_ERRORS = 1000
ARCHIVES = "imports"


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=float(getattr(settings, name)))


def heartbeat_every() -> float:
    return float(settings.IMPORT_HEARTBEAT_SECONDS)


def errors_for_storage(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_STORED_ERRORS:
        return errors
    return errors[:MAX_STORED_ERRORS] + [f"... and {len(errors) - MAX_STORED_ERRORS} more"]


def archive_path(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.archive


def _archive_delete(job: ImportJob) -> None:
    if job.archive:
        archive_path(job).unlink(missing_ok=True)


def _finish(job: ImportJob, *, from_status: str, keep_archive: bool = False, **fields) -> bool:
    """Move a job out of `from_status`, once; delete the archive unless kept."""
    moved = bool(
        ImportJob.objects.filter(id=job.id, status=from_status).update(
            **({} if keep_archive else {"archive": ""}),
            **{"finished_at": timezone.now(), **fields},
        )
    )
    if moved and not keep_archive:
        _archive_delete(job)
    return moved


def import_job_start(*, user, archive) -> ImportJob:
    """Seal an uploaded zip as a new queued job; its check is sent after the commit.

    `job.sending.sent` tells the view, after the commit, whether the worker was
    reachable (when not, the sweep sends it once the broker is back).
    """
    job = ImportJob(uploaded_by=user, status=Status.QUEUED)
    # The stored name is the job's uuid: the uploaded name may say whose records these are.
    job.archive = f"{ARCHIVES}/{job.uuid}.sealed"
    archive.seek(0)
    seal_file(archive, archive_path(job))
    job.save()
    job.sending = enqueue_on_commit(CHECK_TASK, job.id)
    return job


def _job_progress(job_id: int, phase: JobFields) -> Progress:
    """A progress callback storing the job's percentage (outside any transaction)."""
    last = {"value": -1}

    def report(percent: int) -> None:
        if percent != last["value"]:
            last["value"] = percent
            ImportJob.objects.filter(id=job_id, status=phase.running).update(
                progress=percent, heartbeat_at=timezone.now()
            )

    return report


def _source(job: ImportJob):
    try:
        return source_from_zip(sealed_open(archive_path(job)))
    except (SealBroken, FileNotFoundError) as error:
        raise ImportRejected(
            ["the uploaded archive can no longer be read: upload it again"]
        ) from error


def _claimed(job_id: int, phase: JobFields) -> ImportJob | None:
    if not job_claim(ImportJob.objects, job_id=job_id, fields=phase, progress=0):
        return None
    return ImportJob.objects.get(pk=job_id)


def import_job_check(*, job_id: int) -> str:
    """Check a queued job's archive (a dry run). A second delivery does nothing.
    Returns the job's new status."""
    job = _claimed(job_id, CHECK)
    if job is None:
        return "skipped"
    ours = ImportJob.objects.filter(pk=job.pk, status=CHECK.running, attempts=job.attempts)
    with job_heartbeat(ours, every=heartbeat_every()):
        try:
            with _source(job) as source:
                plan = records_validate(files=source, progress=_job_progress(job.id, CHECK))
            errors = plan.errors
        except ImportRejected as rejected:
            plan, errors = None, rejected.errors
    if errors:
        _finish(
            job,
            from_status=CHECK.running,
            status=Status.INVALID,
            errors=errors_for_storage(errors),
            progress=100,
        )
        return Status.INVALID
    _finish(
        job,
        from_status=CHECK.running,
        keep_archive=True,
        status=Status.VALID,
        summary={"counts": plan.counts, "rows": plan.rows},
        progress=100,
        finished_at=None,
        attempts=0,
    )
    return Status.VALID


def import_job_confirm(*, job: ImportJob) -> bool:
    """Start the import of a checked job, once; False when it was not ready."""
    claimed = ImportJob.objects.filter(id=job.id, status=Status.VALID).update(
        status=Status.CONFIRMED, progress=0, heartbeat_at=None
    )
    if claimed:
        job.sending = enqueue_on_commit(RUN_TASK, job.id)
    return bool(claimed)


def import_job_run(*, job_id: int) -> str:
    """Import a confirmed job's archive. A second delivery does nothing, and a
    file already imported is refused."""
    job = _claimed(job_id, RUN)
    if job is None:
        return "skipped"
    ours = ImportJob.objects.filter(pk=job.pk, status=RUN.running, attempts=job.attempts)
    # The write is one transaction: progress written inside it would be seen by
    # no one (and would lock the row the heartbeat touches), so the page shows
    # the check's progress, then the end.
    with job_heartbeat(ours, every=heartbeat_every()):
        try:
            with _source(job) as source:
                result = records_import(files=source, user=job.uploaded_by)
        except ImportRejected as rejected:
            _finish(
                job,
                from_status=RUN.running,
                status=Status.FAILED,
                errors=errors_for_storage(rejected.errors),
            )
            return Status.FAILED
    _finish(
        job,
        from_status=RUN.running,
        status=Status.DONE,
        summary={"counts": result.counts, "rows": result.rows},
        progress=100,
    )
    return Status.DONE


def import_job_fail(*, job_id: int, reason: str) -> None:
    """Give up on a job after an unexpected error: a visible status, no gap."""
    job = ImportJob.objects.filter(id=job_id).first()
    if job is None:
        return
    for phase, _task in PHASES:
        if job.status in (phase.queued, phase.running):
            _finish(job, from_status=job.status, status=Status.FAILED, errors=[reason])


def _stopped(attempts: int) -> list[str]:
    return [
        f"The worker stopped during each of {attempts} attempts (the archive may be too "
        "large for it): nothing was written. Ask the system administrator to look at "
        "the worker log."
    ]


def import_jobs_sweep(*, now=None) -> dict[str, list[int]]:
    """Every minute: send again the queued jobs whose message may be lost, and
    re-queue (or, after MAX_ATTEMPTS, fail) the running ones that stopped beating."""
    done: dict[str, list[int]] = {"resent": [], "requeued": [], "failed": []}
    for phase, task in PHASES:
        stale = jobs_requeue_stale(
            ImportJob.objects,
            task_name=task,
            stale_after=_seconds("IMPORT_STALE_SECONDS"),
            max_attempts=MAX_ATTEMPTS,
            failed_reason=_stopped,
            fields=phase,
            requeue_values={"progress": 0},
            now=now,
        )
        done["requeued"] += stale["requeued"]
        done["failed"] += stale["failed"]
        done["resent"] += jobs_resend_queued(
            ImportJob.objects,
            task_name=task,
            queued_for=_seconds("IMPORT_RESEND_SECONDS"),
            fields=phase,
            now=now,
        )
    for job in ImportJob.objects.filter(pk__in=done["failed"]).exclude(archive=""):
        _archive_delete(job)
        ImportJob.objects.filter(pk=job.pk).update(archive="")
    return done


# Uploaded archives hold names: one checked but never confirmed is not kept.
UNCONFIRMED_DAYS = 2
# A job still waiting or working this long after it could start has lost its
# worker for good: it fails, and its archive goes.
UNFINISHED_HOURS = 24


def import_jobs_expire(*, now=None) -> int:
    """Fail the checked imports nobody confirmed within UNCONFIRMED_DAYS, and the
    jobs still unfinished UNFINISHED_HOURS after they could start, deleting
    their archives; delete any archive a finished job still holds (or that no
    job names). Returns how many jobs expired."""
    now = now or timezone.now()
    unconfirmed = (
        f"Not confirmed within {UNCONFIRMED_DAYS} days: the uploaded archive was deleted. "
        "Upload it again to import it."
    )
    unfinished = (
        f"Not finished within {UNFINISHED_HOURS} hours (the worker stopped): the uploaded "
        "archive was deleted. Upload it again to import it."
    )
    checked_by = now - timedelta(hours=UNFINISHED_HOURS)
    # An import starts when it is confirmed, up to UNCONFIRMED_DAYS after the upload.
    imported_by = now - timedelta(days=UNCONFIRMED_DAYS, hours=UNFINISHED_HOURS)
    rules = [
        # (status, created before, reason)
        (Status.VALID, now - timedelta(days=UNCONFIRMED_DAYS), unconfirmed),
        (Status.QUEUED, checked_by, unfinished),
        (Status.VALIDATING, checked_by, unfinished),
        (Status.CONFIRMED, imported_by, unfinished),
        (Status.IMPORTING, imported_by, unfinished),
    ]
    expired = 0
    for status, before, reason in rules:
        for job in ImportJob.objects.filter(status=status, created_at__lt=before):
            expired += _finish(job, from_status=status, status=Status.FAILED, errors=[reason])
    finished = (Status.INVALID, Status.FAILED, Status.DONE)
    for job in ImportJob.objects.filter(status__in=finished).exclude(archive=""):
        _archive_delete(job)
        ImportJob.objects.filter(id=job.id).update(archive="")
    _orphans_delete(now)
    return expired


def _orphans_delete(now) -> None:
    """Sealed archives no job names (a worker killed between seal and save)."""
    folder = Path(settings.MEDIA_ROOT) / ARCHIVES
    if not folder.is_dir():
        return
    named = set(ImportJob.objects.exclude(archive="").values_list("archive", flat=True))
    day_ago = (now - timedelta(days=1)).timestamp()
    for path in folder.iterdir():
        if f"{ARCHIVES}/{path.name}" not in named and path.stat().st_mtime < day_ago:
            path.unlink(missing_ok=True)
