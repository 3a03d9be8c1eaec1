"""The center-life section of the case file (/cases/<code>/) and its own page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shelters.models import EducationRecord, GroupActivity, Internship
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2026-0011")
    factories.stay(case, tom_dy, admitted_on=today() - timedelta(days=60))
    return case


def test_case_file_offers_center_actions_to_the_social_worker(
    login, resident, social_worker_tom_dy
):
    factories.training(resident, started_on=today() - timedelta(days=10))
    body = login(social_worker_tom_dy).get(f"/cases/{resident.code}/").content.decode()
    assert 'data-testid="center-life"' in body
    for path in ("transfer/", "discharge/", "education/add/", "trainings/add/", "internships/add/"):
        assert f"/centers/cases/{resident.code}/{path}?next=" in body, path
    assert "admit/" not in body.split('data-testid="center-life"')[1]


def test_case_file_shows_center_life_to_the_director_without_actions(login, resident, director):
    factories.training(resident, started_on=today() - timedelta(days=10))
    body = login(director).get(f"/cases/{resident.code}/").content.decode()
    section = body.split('data-testid="center-life"')[1]
    assert "Sewing" in section
    assert "/centers/cases/" not in section


def test_case_file_offers_admission_when_she_is_not_in_a_center(login, social_worker_tom_dy):
    case = factories.case("TD-2026-0012", created_by=social_worker_tom_dy)
    body = login(social_worker_tom_dy).get(f"/cases/{case.code}/").content.decode()
    assert f"/centers/cases/{case.code}/admit/?next=" in body


def test_section_adds_no_query_per_record(login, resident, tom_dy, social_worker_tom_dy):
    client = login(social_worker_tom_dy)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/cases/{resident.code}/").status_code == 200
        return len(ctx.captured_queries)

    before = count_queries()
    for days in range(5):
        started = today() - timedelta(days=50 - days)
        factories.training(resident, started_on=started)
        factories.education(resident, started_on=started)
        factories.internship(resident, started_on=started)
    assert count_queries() == before


def test_center_life_page_with_every_record(login, resident, social_worker_tom_dy):
    factories.education(resident, started_on=today() - timedelta(days=5))
    factories.internship(resident, employer="Sokha Hotel", started_on=today())
    response = login(social_worker_tom_dy).get(f"/centers/cases/{resident.code}/")
    body = response.content.decode()
    assert "Basic education" in body and "Sokha Hotel" in body and "Tom Dy" in body
    assert AuditLog.objects.filter(
        action="case_view", case_code=resident.code, user=social_worker_tom_dy
    ).exists()


def test_education_and_internship_through_the_pages(login, resident, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    base = f"/centers/cases/{resident.code}"
    started = (today() - timedelta(days=3)).isoformat()
    assert (
        client.post(f"{base}/education/add/", {"course": "literacy", "started_on": started})
    ).status_code == 302
    record = EducationRecord.objects.get(case=resident)
    page = client.get(f"{base}/education/{record.uuid}/")
    assert page.context["form"]["version"].value() == 1
    response = client.post(
        f"{base}/education/{record.uuid}/", {"ended_on": today().isoformat(), "version": 1}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.ended_on, record.version) == (today(), 2)

    assert (
        client.post(
            f"{base}/internships/add/",
            {"employer": "Sokha Hotel", "started_on": started, "ended_on": ""},
        )
    ).status_code == 302
    internship = Internship.objects.get(case=resident)
    refused = client.post(
        f"{base}/internships/{internship.uuid}/",
        {"employer": "Sokha Hotel", "ended_on": "2001-01-01", "version": 1},
    )
    assert refused.status_code == 400 and "ended_on" in refused.context["form"].errors
    actions = set(AuditLog.objects.filter(case_code=resident.code).values_list("action", flat=True))
    assert {"education_enrol", "education_change", "internship_add"} <= actions


def test_siem_reap_social_worker_gets_404_on_record_pages(login, resident, social_worker_siem_reap):
    record = factories.education(resident)
    internship = factories.internship(resident)
    client = login(social_worker_siem_reap)
    for url in (
        f"/centers/cases/{resident.code}/education/{record.uuid}/",
        f"/centers/cases/{resident.code}/internships/{internship.uuid}/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"ended_on": "", "version": 1}).status_code == 404


def test_activity_stale_save_shows_both_versions(login, tom_dy, resident, social_worker_tom_dy):
    activity = GroupActivity.objects.create(
        center=tom_dy, kind="recreation", title="Picnic", held_on=today()
    )
    GroupActivity.objects.filter(pk=activity.pk).update(title="Picnic at the lake", version=2)
    response = login(social_worker_tom_dy).post(
        f"/centers/TD/activities/{activity.uuid}/",
        {
            "kind": "recreation",
            "title": "Picnic by the river",
            "held_on": today().isoformat(),
            "participants": [resident.code],
            "version": 1,
        },
    )
    assert response.status_code == 409
    assert ("Title", "Picnic by the river") in response.context["stale"]["yours"]
    assert "Picnic at the lake" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "Picnic at the lake"
    assert not activity.participants.exists()


def test_director_reads_an_activity_but_may_not_change_it(login, tom_dy, director):
    activity = GroupActivity.objects.create(
        center=tom_dy, kind="celebration", title="Khmer New Year", held_on=today()
    )
    client = login(director)
    assert client.get(f"/centers/TD/activities/{activity.uuid}/").status_code == 200
    response = client.post(
        f"/centers/TD/activities/{activity.uuid}/",
        {"kind": "other", "title": "x", "held_on": today().isoformat(), "version": 1},
    )
    assert response.status_code == 403
    assert GroupActivity.objects.get().title == "Khmer New Year"
