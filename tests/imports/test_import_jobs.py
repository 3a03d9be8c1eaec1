"""The import's job row is the truth: an upload with the queue down is kept
queued and answered at once; a second delivery does nothing; a job whose
worker stopped is re-queued, and failed with its archive deleted after its
attempts, so it never loops."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from smf.imports import jobs
from smf.imports.models import ImportJob
from tests.celery_support import broker_at
from tests.reports.import_support import organisation_folder, zip_bytes

CLOSED_PORT = "redis://127.0.0.1:1/0"
QUICK = 5.0
QUEUED_MESSAGE = "Queued; it starts as soon as the worker is reachable."
Status = ImportJob.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client):
    archive = SimpleUploadedFile("export.zip", zip_bytes(organisation_folder()), "application/zip")
    return client.post(reverse("reports:import_upload"), {"archive": archive}, follow=True)


@pytest.mark.django_db(transaction=True)
def test_an_upload_with_redis_down_answers_at_once_and_the_sweep_sends_it_later(
    administrator, login, settings, media
):
    client = login(administrator)
    with broker_at(CLOSED_PORT, settings):
        started = time.monotonic()
        response = upload(client)
        took = time.monotonic() - started
    assert response.status_code == 200 and took < QUICK, took
    job = ImportJob.objects.get()
    assert (job.status, job.attempts) == (Status.QUEUED, 0)
    text = response.content.decode()
    assert QUEUED_MESSAGE in text and 'id="import-waiting"' in text
    assert (media / job.archive).is_file()

    # The broker is back: the sweep sends the lost message, and the check runs.
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    with mock.patch("smf.core.queue.enqueue", return_value=True) as enqueue:
        assert jobs.import_jobs_sweep()["resent"] == [job.pk]
    enqueue.assert_called_once_with(jobs.CHECK_TASK, job.pk)
    assert jobs.import_job_check(job_id=job.pk) == Status.VALID
    assert jobs.import_job_check(job_id=job.pk) == "skipped"  # a second delivery
    job.refresh_from_db()
    assert job.status == Status.VALID and job.attempts == 0  # the import counts afresh


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_is_requeued_then_failed_after_its_attempts(
    administrator, media, django_capture_on_commit_callbacks
):
    archive = SimpleUploadedFile("export.zip", zip_bytes(organisation_folder()))
    with mock.patch("smf.core.queue.enqueue", return_value=True):
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.import_job_start(user=administrator, archive=archive)
        sent = []
        with mock.patch("smf.core.queue.enqueue", side_effect=lambda *a: sent.append(a) or True):
            for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
                # A worker takes it, then dies mid-check: its heartbeat stops.
                assert jobs._claimed(job.pk, jobs.CHECK) is not None
                ImportJob.objects.filter(pk=job.pk).update(
                    heartbeat_at=timezone.now() - timedelta(minutes=4)
                )
                with django_capture_on_commit_callbacks(execute=True):
                    swept = jobs.import_jobs_sweep()
                job.refresh_from_db()
                assert job.attempts == attempt
                if attempt < jobs.MAX_ATTEMPTS:
                    assert swept["requeued"] == [job.pk] and job.status == Status.QUEUED
    assert sent == [(jobs.CHECK_TASK, job.pk)] * (jobs.MAX_ATTEMPTS - 1)
    assert swept["failed"] == [job.pk]
    assert job.status == Status.FAILED and not job.archive
    assert job.errors[0].startswith(f"The worker stopped during each of {jobs.MAX_ATTEMPTS}")
    assert list((media / "imports").iterdir()) == []
    # A late delivery of the message finds nothing to do.
    assert jobs.import_job_check(job_id=job.pk) == "skipped"


@pytest.mark.django_db
def test_an_import_is_claimed_once_and_its_archive_goes_when_done(
    administrator, media, django_capture_on_commit_callbacks, eager_tasks
):
    archive = SimpleUploadedFile("export.zip", zip_bytes(organisation_folder()))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.import_job_start(user=administrator, archive=archive)
    job.refresh_from_db()
    assert job.status == Status.VALID
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.import_job_confirm(job=job)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 1 and not job.archive
    assert Case.objects.count() == 5
    assert jobs.import_job_run(job_id=job.pk) == "skipped"
    assert Case.objects.count() == 5
    assert list((media / "imports").iterdir()) == []


@pytest.mark.django_db
def test_an_archive_that_can_no_longer_be_read_fails_the_check_plainly(administrator, media):
    job = ImportJob.objects.create(
        uploaded_by=administrator, archive="imports/gone.sealed", status=Status.QUEUED
    )
    assert jobs.import_job_check(job_id=job.pk) == Status.INVALID
    job.refresh_from_db()
    assert job.errors == ["the uploaded archive can no longer be read: upload it again"]
