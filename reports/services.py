"""Every write of the impact report: requesting, compiling, re-queueing, notifying.

A report is a job row (`ImpactReport`): the row is the truth and the queue
message only a wake-up (smf/core/jobs.py). `report_request` creates it and
queues the Celery task after the transaction commits; a broker that is down
leaves it queued, and the sweep sends it again. The task calls
`impact_report_compile`, which claims the row with a conditional UPDATE
(queued -> running), so a second delivery of the same task does nothing, and
beats a heartbeat while it renders; a job whose heartbeat stops (its worker was
killed) is re-queued by the sweep within minutes. The figures are frozen in
the row when the PDF is rendered.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smf.core.jobs import job_claim, job_heartbeat, jobs_requeue_stale, jobs_resend_queued
from smf.core.queue import enqueue_on_commit
from smf.staff.audit import audit_record

from . import pdf
from .changes import figure_members, members_freeze
from .models import ImpactReport
from .selectors import MONEY_KEYS, report_figures
from .translations import ensure_compiled

logger = logging.getLogger(__name__)

# Deliveries of one job before it is failed for good (a report that kills its
# worker every time must not loop).
MAX_ATTEMPTS = 3
# The task that compiles a report (reports/tasks.py), queued by name.
COMPILE_TASK = "reports.tasks.impact_report_compile"
MONEY_COLUMNS = ("value_usd", "amount_usd")

Status = ImpactReport.Status


# --- snapshots: the figures as frozen in the record


def report_snapshot(year: int, *, members: bool = False) -> dict:
    """The figures, the previous year's and the breakdowns, read at one
    moment; with `members`, also what each figure is made of (reports.changes)."""
    return report_figures(year, {"members": partial(figure_members, year)} if members else None)


def snapshot_to_json(snapshot: dict) -> dict:
    """Decimals as strings with cents, everything else as it is."""

    def plain(value):
        return f"{value:.2f}" if isinstance(value, Decimal) else value

    return {
        "figures": {k: plain(v) for k, v in snapshot["figures"].items()},
        "previous": {k: plain(v) for k, v in snapshot["previous"].items()},
        "breakdowns": {
            name: [{k: plain(v) for k, v in row.items()} for row in rows]
            for name, rows in snapshot["breakdowns"].items()
        },
    }


def snapshot_from_json(data: dict) -> dict:
    def figures(values: dict) -> dict:
        return {k: Decimal(v) if k in MONEY_KEYS else v for k, v in values.items()}

    return {
        "figures": figures(data["figures"]),
        "previous": figures(data["previous"]),
        "breakdowns": {
            name: [
                {k: Decimal(v) if k in MONEY_COLUMNS else v for k, v in row.items()} for row in rows
            ]
            for name, rows in data["breakdowns"].items()
        },
    }


# --- rendering


def impact_report_render(
    *,
    year: int,
    language: str = "en",
    public: bool = False,
    version: int = 1,
    generated_on: date | None = None,
    snapshot: dict | None = None,
    on_step=None,
) -> tuple[bytes, dict]:
    """The PDF of a year, and the snapshot it shows.

    `on_step(percent, note)` is called between the stages (figures, HTML, PDF)
    so a job can beat its heartbeat.
    """
    step = on_step or (lambda percent, note: None)
    if snapshot is None:
        step(10, "figures")
        snapshot = report_snapshot(year)
    ensure_compiled()
    step(40, "layout")
    with translation.override(language):
        context = pdf.report_context(
            year=year,
            language=language,
            public=public,
            version=version,
            generated_on=generated_on or timezone.localdate(),
            snapshot=snapshot,
        )
        html = pdf.report_html(context)
    step(60, "pdf")
    return pdf.html_to_pdf(html), snapshot


# --- the job


def report_request(*, user, year: int, language: str, variant: str) -> ImpactReport:
    """A new version of the year's report, queued once the transaction commits.

    `report.sending.sent` says, after the commit, whether the message reached
    the broker: when it did not, the row stays queued and the sweep sends it
    again once the broker is back (the request never fails for it).
    """

    for _attempt in range(5):
        try:
            with transaction.atomic():
                latest = ImpactReport.objects.filter(
                    year=year, language=language, variant=variant
                ).aggregate(v=Max("version"))["v"]
                report = ImpactReport.objects.create(
                    year=year,
                    language=language,
                    variant=variant,
                    version=(latest or 0) + 1,
                    requested_by=user if user is not None and user.is_authenticated else None,
                )
            break
        except IntegrityError:
            # Two requests took the same version number: the next try reads the new one.
            continue
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("could not allocate a report version")
    report.sending = enqueue_on_commit(COMPILE_TASK, report.pk)
    logger.info("impact report %s requested (year %s v%s)", report.uuid, year, report.version)
    return report


def impact_report_claim(*, report_id: int) -> bool:
    """queued -> running, or False when someone else has it (or it is finished)."""
    return job_claim(
        ImpactReport.objects,
        job_id=report_id,
        started_at=timezone.now(),
        progress=5,
        progress_note="claimed",
        error="",
    )


def impact_report_compile(*, report_id: int) -> ImpactReport | None:
    """The task's body: claim, compute, render, store. None if not claimed.

    The heartbeat beats from a thread for the whole run, so the PDF render (one
    long step) still shows the worker alive; only this attempt's run may store
    its result (a run the sweep gave up on, if it wakes, stores nothing).
    """
    if not impact_report_claim(report_id=report_id):
        logger.info("impact report %s not queued: nothing to do", report_id)
        return None
    report = ImpactReport.objects.get(pk=report_id)
    ours = ImpactReport.objects.filter(
        pk=report_id, status=Status.RUNNING, attempts=report.attempts
    )

    def step(percent: int, note: str) -> None:
        ours.update(progress=percent, progress_note=note[:120], heartbeat_at=timezone.now())

    with job_heartbeat(ours, every=settings.REPORT_HEARTBEAT_SECONDS):
        step(10, "figures")
        snapshot = report_snapshot(report.year, members=True)
        members = snapshot.pop("members")
        content, snapshot = impact_report_render(
            year=report.year,
            language=report.language,
            public=report.variant == ImpactReport.Variant.PUBLIC,
            version=report.version,
            snapshot=snapshot,
            on_step=step,
        )
    step(90, "saving")
    name = f"impact-report-{report.year}-{report.language}-{report.variant}-v{report.version}.pdf"
    attempt = report.attempts
    with transaction.atomic():
        report = ImpactReport.objects.select_for_update().get(pk=report_id)
        if report.status != Status.RUNNING or report.attempts != attempt:
            # Re-queued meanwhile (this run was taken for dead): the newer run wins.
            return None
        report.file.save(name, ContentFile(content), save=False)
        report.figures = snapshot_to_json(snapshot)
        report.status = Status.DONE
        report.progress = 100
        report.progress_note = ""
        report.finished_at = timezone.now()
        report.heartbeat_at = report.finished_at
        report.save()
        members_freeze(report, members)
        transaction.on_commit(lambda: impact_report_notify(report_id=report_id))
    logger.info("impact report %s done", report.uuid)
    return report


def impact_report_requeue(*, report_id: int) -> bool:
    """running -> queued after a transient error, for the task's retry."""
    return bool(
        ImpactReport.objects.filter(pk=report_id, status=Status.RUNNING).update(
            status=Status.QUEUED, progress=0, progress_note="retrying", heartbeat_at=timezone.now()
        )
    )


def impact_report_fail(*, report_id: int, reason: str) -> None:
    """A visible failure with its reason (never silently stuck)."""
    ImpactReport.objects.filter(pk=report_id).exclude(status=Status.DONE).update(
        status=Status.FAILED,
        error=reason[:2000],
        progress_note="",
        finished_at=timezone.now(),
    )
    logger.warning("impact report %s failed: %s", report_id, reason[:200])


def _failed_after(attempts: int) -> str:
    return _("The worker stopped during each of %(n)s attempts; the report was not made.") % {
        "n": attempts
    }


def impact_reports_requeue_stale(*, now=None) -> dict[str, list[int]]:
    """The sweep, every minute: jobs whose worker died or whose message was lost.

    A running job silent for REPORT_STALE_SECONDS lost its worker: it is
    re-queued and sent again, unless it has already been tried MAX_ATTEMPTS
    times, when it is failed with the reason. A job queued for longer than
    REPORT_RESEND_SECONDS (the broker was down, or lost the message) is sent
    again; the claim makes a duplicate harmless.
    """
    now = now or timezone.now()
    result = jobs_requeue_stale(
        ImpactReport.objects,
        task_name=COMPILE_TASK,
        stale_after=timedelta(seconds=settings.REPORT_STALE_SECONDS),
        max_attempts=MAX_ATTEMPTS,
        failed_reason=_failed_after,
        requeue_values={"progress": 0, "progress_note": "requeued"},
        now=now,
    )
    resent = jobs_resend_queued(
        ImpactReport.objects,
        task_name=COMPILE_TASK,
        queued_for=timedelta(seconds=settings.REPORT_RESEND_SECONDS),
        now=now,
    )
    return {**result, "resent": resent}


def impact_report_compile_previous_year(*, today: date | None = None) -> list[ImpactReport]:
    """Beat, 15 January: last year's report in each language and variant."""
    year = (today or timezone.localdate()).year - 1
    return [
        report_request(user=None, year=year, language=language, variant=variant)
        for language in ImpactReport.Language.values
        for variant in ImpactReport.Variant.values
    ]


def impact_report_notify(*, report_id: int) -> bool:
    """Email the director who asked: a link only, never figures or names."""
    report = ImpactReport.objects.select_related("requested_by").get(pk=report_id)
    user = report.requested_by
    if user is None or not user.email:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse("reports:index") + f"#report-{report.uuid}"
    with translation.override(report.language):
        subject = _("The %(year)s impact report is ready") % {"year": report.year}
        body = _(
            "The impact report you asked for (%(year)s, %(language)s, %(variant)s, version "
            "%(version)s) is ready. Download it from the Reports page after logging in:\n\n"
            "%(link)s\n"
        ) % {
            "year": report.year,
            "language": report.get_language_display(),
            "variant": report.get_variant_display(),
            "version": report.version,
            "link": link,
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def report_download_record(*, user, report: ImpactReport) -> None:
    audit_record(
        user=user,
        action="report_download",
        details={"report": str(report.uuid), "year": report.year, "version": report.version},
    )


def report_figures_export_record(*, user, year: int) -> None:
    audit_record(user=user, action="report_figures_export", details={"year": year})


def figure_records_export_record(*, user, year: int, key: str, rows: int, via: str) -> None:
    """The records behind a figure were shown or downloaded (codes, no names)."""
    audit_record(
        user=user,
        action="figure_records_view",
        details={"year": year, "key": key, "rows": rows, "via": via},
    )


def version_changes_record(*, user, report: ImpactReport, key: str) -> None:
    """What changed since a version was published was shown (codes, no names)."""
    audit_record(
        user=user,
        action="version_changes_view",
        details={"report": str(report.uuid), "year": report.year, "key": key},
    )
