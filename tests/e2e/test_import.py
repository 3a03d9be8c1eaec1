"""An administrator's bulk import in the browser, with the progress script."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from smf.imports.models import ImportJob
from tests.reports.import_support import organisation_folder, zip_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_administrator_uploads_checks_and_imports(
    live_server, page, log_in, administrator, eager_tasks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    archive = tmp_path / "export.zip"
    archive.write_bytes(zip_bytes(organisation_folder()))
    log_in(administrator)

    page.locator("nav").get_by_text("Import").click()
    page.set_input_files("#id_archive", str(archive))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.locator("#import-status")).to_have_text("Ready to import")
    expect(page.locator("#import-counts")).to_contain_text("cases.csv")
    page.get_by_role("button", name="Import these records").click()
    expect(page.get_by_text("The records were imported.")).to_be_visible()


def test_progress_page_follows_the_job_until_it_is_checked(
    live_server, page, log_in, administrator
):
    job = ImportJob.objects.create(uploaded_by=administrator, archive="imports/x.zip", progress=30)
    log_in(administrator)
    page.goto(f"{live_server.url}/reports/import/{job.uuid}/")
    expect(page.locator("[data-import-progress-bar]")).to_have_text("30%")

    ImportJob.objects.filter(id=job.id).update(progress=60)
    expect(page.locator("[data-import-progress-bar]")).to_have_text("60%")
    ImportJob.objects.filter(id=job.id).update(
        status=ImportJob.Status.VALID,
        progress=100,
        summary={"counts": {"events.csv": {"created": 0, "updated": 0, "appended": 2}}},
    )

    # The script reloads the page once the check is over: the result shows.
    expect(page.get_by_role("button", name="Import these records")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text(re.compile("Ready to import"))
