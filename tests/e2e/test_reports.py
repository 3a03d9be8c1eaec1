"""A director requests the 2011 report in the browser, waits for it and
downloads the PDF; a social worker is refused the page."""

import pytest

from tests.reports.test_report_pdf import build_year

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_director_requests_waits_for_and_downloads_the_2011_report(
    live_server, page, log_in, director, tmp_path
):
    build_year()
    log_in(director)
    page.goto(f"{live_server.url}/reports/?year=2011")
    assert page.locator("#figures-table").get_by_text("12,345").is_visible()
    page.fill("#id_year", "2011")
    page.select_option("#id_language", "en")
    page.select_option("#id_variant", "internal")
    page.click("#report-request-form button[type=submit]")
    row = page.locator("#report-queue tbody tr").first
    # Eager here (no REDIS_URL): done on arrival; with a worker, the poller fills it in.
    link = row.get_by_role("link", name="Download PDF")
    link.wait_for(timeout=60_000)
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert download_info.value.suggested_filename == "impact-report-2011-en-internal-v1.pdf"


def test_social_worker_is_refused_the_reports_page(live_server, page, log_in, social_worker_tom_dy):
    log_in(social_worker_tom_dy)
    response = page.goto(f"{live_server.url}/reports/")
    assert response.status == 404
    assert page.locator("nav").get_by_text("Reports").count() == 0
