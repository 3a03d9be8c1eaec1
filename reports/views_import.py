"""The browser import: upload a zip, see the check, confirm. Administrators only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from reports.forms_import import ImportUploadForm
from smf.imports.jobs import import_job_confirm, import_job_start
from smf.imports.models import ImportJob
from smf.imports.spec import file_names

from .access import can_import_records

RECENT_JOBS = 10
# The statuses a job leaves by itself: the page polls while in one of them.
RUNNING = (
    ImportJob.Status.QUEUED,
    ImportJob.Status.VALIDATING,
    ImportJob.Status.CONFIRMED,
    ImportJob.Status.IMPORTING,
)
WAITING = (ImportJob.Status.QUEUED, ImportJob.Status.CONFIRMED)
NOT_SENT = _lazy("Queued; it starts as soon as the worker is reachable.")


def _require_importer(user) -> None:
    if not can_import_records(user):
        raise Http404


def _job_for(user, job_uuid) -> ImportJob:
    _require_importer(user)
    return get_object_or_404(ImportJob, uuid=job_uuid)


@login_required
def import_upload(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_start(user=request.user, archive=form.cleaned_data["archive"])
        if job.sending.sent is False:
            messages.info(request, NOT_SENT)
        return redirect("reports:import_detail", job_uuid=job.uuid)
    jobs = ImportJob.objects.select_related("uploaded_by")[:RECENT_JOBS]
    return render(
        request,
        "reports/import_upload.html",
        {"form": form, "jobs": jobs, "file_names": file_names()},
    )


@login_required
@require_GET
def import_detail(request, job_uuid):
    job = _job_for(request.user, job_uuid)
    counts = (job.summary or {}).get("counts", {})
    return render(
        request,
        "reports/import_detail.html",
        {
            "job": job,
            "counts": counts,
            "running": job.status in RUNNING,
            "waiting": job.status in WAITING,
        },
    )


@login_required
@require_GET
def import_status(request, job_uuid):
    job = _job_for(request.user, job_uuid)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": str(job.get_status_display()),
            "progress": job.progress,
            "running": job.status in RUNNING,
            "waiting": job.status in WAITING,
        }
    )


@login_required
@require_POST
def import_confirm(request, job_uuid):
    job = _job_for(request.user, job_uuid)
    if import_job_confirm(job=job):
        if job.sending.sent is False:
            messages.info(request, NOT_SENT)
        else:
            messages.success(request, _("The import has started."))
    else:
        messages.warning(request, _("This import is not waiting for a confirmation."))
    return redirect("reports:import_detail", job_uuid=job.uuid)
