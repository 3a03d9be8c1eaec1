"""The browser import: administrators only, upload -> check -> confirm."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from smf.core.sealed import seal_file
from smf.imports.models import ImportJob
from smf.imports.tasks import import_jobs_expire_task
from tests.reports.import_support import csv_bytes, organisation_folder, row_counts, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, files: dict[str, bytes], capture):
    archive = SimpleUploadedFile("export.zip", zip_bytes(files), "application/zip")
    with capture(execute=True):
        return client.post(reverse("reports:import_upload"), {"archive": archive})


def stored(job: ImportJob, media) -> None:
    """Give a job an archive on disk, as an upload would (sealed)."""
    job.archive = f"imports/{job.uuid}.sealed"
    job.save(update_fields=["archive"])
    seal_file(io.BytesIO(b"zip"), media / job.archive)


def archives(media) -> list:
    folder = media / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_page_is_at_the_address_the_nav_links_to():
    assert reverse("reports:import_upload") == "/reports/import/"


def test_administrator_uploads_sees_the_check_confirms_and_records_exist(
    administrator, login, eager_tasks, django_capture_on_commit_callbacks, media
):
    client = login(administrator)
    assert client.get("/reports/import/").status_code == 200

    response = upload(client, organisation_folder(), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:import_detail", kwargs={"job_uuid": job.uuid})
    assert job.status == ImportJob.Status.VALID
    assert job.archive == f"imports/{job.uuid}.sealed"  # not the uploaded name
    sealed = (media / job.archive).read_bytes()
    assert oct((media / job.archive).stat().st_mode & 0o777) == "0o600"
    assert b"cases.csv" not in sealed and b"Chenda" not in sealed  # encrypted at rest
    assert Case.objects.count() == 0  # a check writes nothing
    page = client.get(response.url).content.decode()
    assert "Import these records" in page
    assert '<td><code>cases.csv</code></td><td class="text-end">5</td>' in page

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("reports:import_confirm", kwargs={"job_uuid": job.uuid}))

    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.summary["counts"]["cases.csv"]["created"] == 5
    assert sorted(Case.objects.values_list("code", flat=True)) == ["A", "B", "C", "D", "E"]
    assert not job.archive and archives(media) == []  # names do not linger on disk
    status = client.get(reverse("reports:import_status", kwargs={"job_uuid": job.uuid})).json()
    assert status == {
        "status": "done",
        "status_display": "Imported",
        "progress": 100,
        "running": False,
        "waiting": False,
    }


def test_upload_with_errors_shows_every_error_and_writes_nothing(
    administrator, login, eager_tasks, django_capture_on_commit_callbacks, media
):
    client = login(administrator)
    files = organisation_folder()
    files["events.csv"] = csv_bytes("held_on,title,participants", "2011-01-01,<b>Talk</b>,-3")
    before = row_counts()

    response = upload(client, files, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert job.errors == ["events.csv:2: participants: -3 is negative"]
    page = client.get(response.url).content.decode()
    assert "events.csv:2: participants: -3 is negative" in page
    assert "Import these records" not in page
    assert archives(media) == []  # a rejected archive is deleted
    assert row_counts() == before
    # A job with errors cannot be confirmed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:import_confirm", kwargs={"job_uuid": job.uuid}))
    assert row_counts() == before


def test_confirming_twice_imports_once(
    administrator, login, eager_tasks, django_capture_on_commit_callbacks
):
    client = login(administrator)
    upload(client, organisation_folder(), django_capture_on_commit_callbacks)
    url = reverse("reports:import_confirm", kwargs={"job_uuid": ImportJob.objects.get().uuid})

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(url)
        client.post(url)

    assert len(callbacks) == 1
    assert Case.objects.count() == 5


def test_a_file_that_is_not_a_zip_is_refused_by_the_form(administrator, login):
    client = login(administrator)
    response = client.post(
        "/reports/import/", {"archive": SimpleUploadedFile("cases.csv", b"case_code\n")}
    )
    assert response.status_code == 200
    assert "This is not a zip archive." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_running_job_page_polls_its_status_with_a_script_file(administrator, login):
    job = ImportJob.objects.create(uploaded_by=administrator, archive="imports/x.zip")
    page = login(administrator).get(reverse("reports:import_detail", kwargs={"job_uuid": job.uuid}))
    html = page.content.decode()
    assert 'data-import-status-url="/reports/import/' in html
    assert "js/import_progress.js" in html
    assert "<script>" not in html


@pytest.fixture
def job(administrator):
    return ImportJob.objects.create(
        uploaded_by=administrator, archive="imports/x.zip", status=ImportJob.Status.VALID
    )


def job_urls(job) -> list[tuple[str, str]]:
    kw = {"job_uuid": job.uuid}
    return [
        ("get", reverse("reports:import_upload")),
        ("post", reverse("reports:import_upload")),
        ("get", reverse("reports:import_detail", kwargs=kw)),
        ("get", reverse("reports:import_status", kwargs=kw)),
        ("post", reverse("reports:import_confirm", kwargs=kw)),
    ]


@pytest.mark.parametrize(
    "persona", ["director", "social_worker_tom_dy", "outreach_worker", "no_role_user"]
)
def test_only_administrators_may_import(request, login, job, persona):
    client = login(request.getfixturevalue(persona))
    for method, url in job_urls(job):
        assert getattr(client, method)(url).status_code == 404, (persona, method, url)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID


def test_anonymous_is_sent_to_the_login_page(client, job):
    for method, url in job_urls(job):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_an_unknown_job_is_404(administrator, login):
    client = login(administrator)
    url = reverse(
        "reports:import_detail", kwargs={"job_uuid": "00000000-0000-0000-0000-000000000000"}
    )
    assert client.get(url).status_code == 404


def test_a_checked_import_nobody_confirms_is_expired_with_its_archive(administrator, media):
    old, recent = (
        ImportJob.objects.create(uploaded_by=administrator, status=ImportJob.Status.VALID)
        for _ in range(2)
    )
    for job in (old, recent):
        stored(job, media)
    ImportJob.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=3))

    assert import_jobs_expire_task() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ImportJob.Status.FAILED and not old.archive
    assert old.errors[0].startswith("Not confirmed within 2 days")
    assert recent.status == ImportJob.Status.VALID
    assert archives(media) == [media / "imports" / f"{recent.uuid}.sealed"]


@pytest.mark.parametrize(
    "status, age, expires",
    [
        (ImportJob.Status.QUEUED, timedelta(hours=25), True),
        (ImportJob.Status.QUEUED, timedelta(hours=2), False),
        (ImportJob.Status.VALIDATING, timedelta(hours=25), True),
        (ImportJob.Status.VALIDATING, timedelta(hours=2), False),
        (ImportJob.Status.CONFIRMED, timedelta(days=3, hours=1), True),
        (ImportJob.Status.CONFIRMED, timedelta(days=2, hours=1), False),
        (ImportJob.Status.IMPORTING, timedelta(days=3, hours=1), True),
        (ImportJob.Status.IMPORTING, timedelta(days=2, hours=1), False),
    ],
)
def test_a_check_or_import_that_never_finished_expires_with_its_archive(
    administrator, media, status, age, expires
):
    job = ImportJob.objects.create(uploaded_by=administrator, status=status)
    stored(job, media)
    ImportJob.objects.filter(id=job.id).update(created_at=timezone.now() - age)

    assert import_jobs_expire_task() == int(expires)

    job.refresh_from_db()
    if expires:
        assert job.status == ImportJob.Status.FAILED and not job.archive
        assert job.errors[0].startswith("Not finished within 24 hours")
        assert archives(media) == []
    else:
        assert job.status == status
        assert archives(media) == [media / "imports" / f"{job.uuid}.sealed"]


def test_a_finished_job_keeps_no_archive(administrator, media):
    job = ImportJob.objects.create(uploaded_by=administrator, status=ImportJob.Status.INVALID)
    stored(job, media)
    assert import_jobs_expire_task() == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID and not job.archive
    assert archives(media) == []
