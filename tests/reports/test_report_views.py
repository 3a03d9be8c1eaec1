"""The Reports page: directors and administrators only, request, queue, status
JSON, downloads audited, figures on screen and as CSV, query counts pinned."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reports.models import ImpactReport
from reports.selectors import breakdowns_for_year, figures_table, reports_recent
from smf.staff.models import AuditLog
from tests import factories
from tests.reports.test_report_pdf import YEAR, build_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def done_report(user=None, **kw) -> ImpactReport:
    report = ImpactReport.objects.create(
        year=YEAR, status="done", requested_by=user, progress=100, **kw
    )
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 test"))
    return report


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker_tom_dy",
        "reintegration_officer",
        "outreach_worker",
        "legal_officer",
        "no_role_user",
    ],
)
def test_other_roles_get_404_on_every_reports_page(request, persona, login):
    client = login(request.getfixturevalue(persona))
    report = done_report()
    for url in (
        reverse("reports:index"),
        reverse("reports:status"),
        reverse("reports:download", args=[report.uuid]),
        reverse("reports:figures_csv", args=[YEAR]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("reports:request"), {"year": YEAR, "language": "en", "variant": "internal"}
        ).status_code
        == 404
    )
    assert not ImpactReport.objects.exclude(pk=report.pk).exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_directors_and_administrators_see_the_page_with_figures(request, persona, login):
    build_year()
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse("reports:index"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "12,345" in html and "11,111" in html and "+1,234" in html
    assert 'data-status-url="/reports/status.json"' in html
    assert "js/report_status.js" in html


def test_page_in_khmer(director, login):
    from reports.translations import ensure_compiled

    ensure_compiled()  # no GNU gettext needed: polib compiles the catalogue
    build_year()
    client = login(director)
    client.cookies["django_language"] = "km"
    html = client.get(
        reverse("reports:index"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="km"
    ).content.decode()
    html = html.replace("\u200b", "")  # the catalogue marks Khmer word breaks
    assert "ស្នើសុំរបាយការណ៍" in html and "១២,៣៤៥" in html


def test_director_requests_a_report(
    director, login, django_capture_on_commit_callbacks, monkeypatch
):
    from reports import services

    monkeypatch.setattr(
        services,
        "impact_report_render",
        lambda **kw: (b"%PDF fake", services.report_snapshot(kw["year"])),
    )
    client = login(director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request"), {"year": YEAR, "language": "km", "variant": "public"}
        )
    report = ImpactReport.objects.get()
    assert response.status_code == 302 and str(report.uuid) in response["Location"]
    assert (report.year, report.language, report.variant, report.status) == (
        YEAR,
        "km",
        "public",
        "done",
    )
    assert report.requested_by == director


@pytest.mark.parametrize(
    "data",
    [
        {"year": "", "language": "en", "variant": "internal"},
        {"year": "1850", "language": "en", "variant": "internal"},
        {"year": "3000", "language": "en", "variant": "internal"},
        {"year": "2011", "language": "fr", "variant": "internal"},
        {"year": "2011", "language": "en", "variant": "everything"},
    ],
)
def test_bad_request_changes_nothing_and_says_why(director, login, data):
    client = login(director)
    response = client.post(reverse("reports:request"), data, follow=True)
    assert response.status_code == 200
    assert not ImpactReport.objects.exists()
    assert list(response.context["messages"])


def test_status_json_reports_progress_and_download_link(director, login):
    running = ImpactReport.objects.create(year=YEAR, status="running", progress=40)
    done = done_report(director, version=2)
    failed = ImpactReport.objects.create(year=YEAR, version=3, status="failed", error="no font")
    data = login(director).get(reverse("reports:status")).json()["reports"]
    by_uuid = {r["uuid"]: r for r in data}
    assert (
        by_uuid[str(running.uuid)]["progress"] == 40
        and not by_uuid[str(running.uuid)]["download_url"]
    )
    assert by_uuid[str(done.uuid)]["download_url"] == reverse("reports:download", args=[done.uuid])
    assert by_uuid[str(failed.uuid)]["error"] == "no font"


def test_download_is_audited_and_older_versions_stay_downloadable(director, login):
    old = done_report(director)
    new = done_report(director, version=2)
    client = login(director)
    for report in (old, new):
        response = client.get(reverse("reports:download", args=[report.uuid]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    entries = AuditLog.objects.filter(action="report_download")
    assert {e.details["version"] for e in entries} == {1, 2}
    assert all(e.user == director for e in entries)


def test_unfinished_or_unknown_report_is_404(director, login):
    queued = ImpactReport.objects.create(year=YEAR)
    client = login(director)
    assert client.get(reverse("reports:download", args=[queued.uuid])).status_code == 404
    assert client.get("/reports/00000000-0000-0000-0000-000000000000/download/").status_code == 404


def test_figures_csv_with_previous_year_and_change(director, login):
    build_year()
    response = login(director).get(reverse("reports:figures_csv", args=[YEAR]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0] == "key,2011,2010,change"
    assert "outreach.contacts,12345,11111,1234" in text
    assert AuditLog.objects.filter(action="report_figures_export").count() == 1


def test_figures_csv_refuses_a_silly_year(director, login):
    assert login(director).get("/reports/figures/99999.csv").status_code == 404


def test_breakdowns_cost_six_queries(django_assert_num_queries):
    build_year()
    # residents by center and the centers' names, training by trade, support
    # by kind, follow-ups by role, funding by region.
    with django_assert_num_queries(6):
        tables = breakdowns_for_year(YEAR)
    assert {r["label"]: r["residents"] for r in tables["residents_by_center"]} == {
        "Tom Dy": 7,
        "Siem Reap": 6,
        "Kampong Cham": 5,
    }
    assert {r["key"]: r["amount_usd"] for r in tables["funding_by_region"]}["us"] == 1000


def test_breakdowns_count_a_resident_who_moved_at_each_center():
    center_a, center_b = factories.shelter("A1"), factories.shelter("B1")
    case = factories.case()
    factories.stay(
        case,
        center_a,
        admitted_on=f"{YEAR}-01-05",
        left_on=f"{YEAR}-03-01",
        exit_reason="transferred",
    )
    factories.stay(case, center_b, admitted_on=f"{YEAR}-03-01")
    rows = breakdowns_for_year(YEAR)["residents_by_center"]
    assert sorted(r["residents"] for r in rows) == [1, 1]


def test_figures_table_costs_two_figure_years(django_assert_num_queries):
    build_year()
    # figures_for_year of the year and of the year before, 12 queries each.
    with django_assert_num_queries(24):
        rows = figures_table(YEAR)
    assert len(rows) == len({r["key"] for r in rows})


def test_report_queue_is_one_query(director, django_assert_num_queries):
    for version in range(1, 6):
        ImpactReport.objects.create(year=YEAR, version=version, requested_by=director)
    # the reports with their requesters, joined.
    with django_assert_num_queries(1):
        reports = reports_recent()
        [r.requested_by.username for r in reports]


def test_reports_page_query_count_does_not_grow_with_the_queue(
    director, login, django_assert_max_num_queries
):
    client = login(director)
    client.get(reverse("reports:index"))  # warm the session and the user's roles
    for version in range(1, 30):
        ImpactReport.objects.create(year=YEAR, version=version, requested_by=director)
    # session, user, roles, reports queue, 2 x 12 figures = at most 30.
    with django_assert_max_num_queries(30):
        assert client.get(reverse("reports:index")).status_code == 200
