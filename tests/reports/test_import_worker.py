"""The import's tasks on a real Celery worker (Redis broker, JSON, late ack)."""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile

from cases.models import Case
from smf.imports.jobs import import_job_confirm, import_job_start
from smf.imports.models import ImportJob
from tests.reports.import_support import organisation_folder, zip_bytes


def wait_for(job: ImportJob, *statuses: str, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.2)
    pytest.fail(f"job stayed {job.status} for {seconds}s")


@pytest.mark.django_db(transaction=True)
def test_import_tasks_on_a_real_worker_write_the_records(
    celery_real_worker, administrator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    archive = ContentFile(zip_bytes(organisation_folder()), name="export.zip")

    job = import_job_start(user=administrator, archive=archive)
    wait_for(job, ImportJob.Status.VALID, ImportJob.Status.INVALID)
    assert job.status == ImportJob.Status.VALID, job.errors
    assert Case.objects.count() == 0

    assert import_job_confirm(job=job)
    wait_for(job, ImportJob.Status.DONE, ImportJob.Status.FAILED)

    assert job.status == ImportJob.Status.DONE, job.errors
    assert sorted(Case.objects.values_list("code", flat=True)) == ["A", "B", "C", "D", "E"]
    assert job.summary["rows"] == 43
    assert not (tmp_path / "imports" / f"{job.uuid}.zip").exists()
