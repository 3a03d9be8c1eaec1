"""Center pages and center-life actions: scoping, refusals, messages, audit, query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from shelters.models import GroupActivity, Stay, VocationalTraining
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2026-0007", given_name="ស្រីពៅ", family_name="សុខ")
    factories.stay(case, tom_dy, admitted_on=today() - timedelta(days=40))
    return case


@pytest.fixture
def training(resident):
    return factories.training(resident, started_on=today() - timedelta(days=30))


def case_urls(case, training=None):
    code = case.code
    urls = [
        f"/centers/cases/{code}/",
        f"/centers/cases/{code}/admit/",
        f"/centers/cases/{code}/transfer/",
        f"/centers/cases/{code}/discharge/",
        f"/centers/cases/{code}/education/add/",
        f"/centers/cases/{code}/trainings/add/",
        f"/centers/cases/{code}/internships/add/",
    ]
    if training is not None:
        urls.append(f"/centers/cases/{code}/trainings/{training.uuid}/")
    return urls


# Refusals ------------------------------------------------------------------


def test_siem_reap_social_worker_gets_404_on_every_tom_dy_case_action(
    login, resident, training, social_worker_siem_reap
):
    client = login(social_worker_siem_reap)
    for url in case_urls(resident, training):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"left_on": today().isoformat()}).status_code == 404, url
    assert Stay.objects.get(case=resident).left_on is None
    assert AuditLog.objects.filter(
        action="access_denied", case_code=resident.code, user=social_worker_siem_reap
    ).exists()


def test_siem_reap_social_worker_gets_404_on_tom_dy_center_pages(
    login, tom_dy, resident, social_worker_siem_reap, director
):
    activity = GroupActivity.objects.create(
        center=tom_dy, kind="recreation", title="Picnic", held_on=today()
    )
    client = login(social_worker_siem_reap)
    for url in (
        "/centers/TD/",
        "/centers/TD/admit/",
        "/centers/TD/activities/add/",
        f"/centers/TD/activities/{activity.uuid}/",
    ):
        assert client.get(url).status_code == 404, url
    board = client.get("/centers/")
    assert b"Tom Dy" not in board.content
    assert b"Siem Reap" in board.content


def test_users_without_a_center_role_see_no_center(login, tom_dy, legal_officer, no_role_user):
    for user in (legal_officer, no_role_user):
        client = login(user)
        assert b"Tom Dy" not in client.get("/centers/").content
        assert client.get("/centers/TD/").status_code == 404


def test_director_reads_center_pages_but_may_not_write(login, resident, training, director):
    client = login(director)
    assert client.get("/centers/TD/").status_code == 200
    assert client.get(f"/centers/cases/{resident.code}/").status_code == 200
    for url in case_urls(resident, training)[1:] + ["/centers/TD/admit/"]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"/centers/cases/{resident.code}/discharge/",
        {"left_on": today().isoformat(), "exit_reason": "family", "version": 1},
    )
    assert response.status_code == 403
    assert Stay.objects.get(case=resident).left_on is None


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("transfer", {"to_shelter": "SR", "on": "{today}", "version": 1}),
        ("discharge", {"left_on": "{today}", "exit_reason": "family", "version": 1}),
    ],
)
def test_only_the_staff_of_her_center_transfer_or_discharge_her(
    login, resident, siem_reap, social_worker_siem_reap, action, data
):
    """The Siem Reap social worker sees the case (it is assigned to her) and
    writes center life, but she is in Tom Dy: 403, nothing changes."""
    resident.assigned_social_worker = social_worker_siem_reap
    resident.save()
    client = login(social_worker_siem_reap)
    assert client.get(f"/centers/cases/{resident.code}/").status_code == 200
    url = f"/centers/cases/{resident.code}/{action}/"
    assert client.get(url).status_code == 403
    posted = {
        key: value.format(today=today().isoformat()) if isinstance(value, str) else value
        for key, value in data.items()
    }
    assert client.post(url, posted).status_code == 403
    stay = Stay.objects.get(case=resident)
    assert (stay.shelter.code, stay.left_on, stay.exit_reason, stay.version) == ("TD", None, "", 1)
    assert not AuditLog.objects.filter(
        action__in=["stay_discharge", "stay_admit"], case_code=resident.code
    ).exists()
    assert (
        AuditLog.objects.filter(
            action="write_denied", case_code=resident.code, user=social_worker_siem_reap
        ).count()
        == 2
    )
    # Her case file offers neither action.
    body = client.get(f"/cases/{resident.code}/").content.decode()
    assert f"/centers/cases/{resident.code}/transfer/" not in body
    assert f"/centers/cases/{resident.code}/discharge/" not in body


def test_anonymous_user_is_sent_to_login(client, resident):
    response = client.get("/centers/TD/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_record_of_another_case_is_404(login, resident, social_worker_tom_dy, tom_dy):
    other = factories.case("TD-2026-0008")
    factories.stay(other, tom_dy)
    foreign = factories.training(other)
    client = login(social_worker_tom_dy)
    url = f"/centers/cases/{resident.code}/trainings/{foreign.uuid}/"
    assert client.get(url).status_code == 404


# Actions -------------------------------------------------------------------


def test_discharge_from_the_case_page(login, resident, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    page = client.get(f"/centers/cases/{resident.code}/discharge/")
    assert b'type="date"' in page.content
    response = client.post(
        f"/centers/cases/{resident.code}/discharge/",
        {
            "left_on": today().isoformat(),
            "exit_reason": "family",
            "version": 1,
            "next": f"/centers/cases/{resident.code}/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/centers/cases/{resident.code}/"
    stay = Stay.objects.get(case=resident)
    assert (stay.left_on, stay.exit_reason, stay.version) == (today(), "family", 2)


def test_discharge_before_admission_shows_the_message_next_to_the_field(
    login, resident, social_worker_tom_dy
):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/centers/cases/{resident.code}/discharge/",
        {"left_on": "2000-01-01", "exit_reason": "family", "version": 1},
    )
    assert response.status_code == 400
    assert "left_on" in response.context["form"].errors
    assert b"before the date she was admitted" in response.content
    assert Stay.objects.get(case=resident).left_on is None


def test_stale_discharge_is_refused_and_shows_both_versions(
    login, resident, social_worker_tom_dy, center_manager_tom_dy
):
    from shelters.services import stay_discharge

    stay = Stay.objects.get(case=resident)
    client = login(social_worker_tom_dy)
    form = client.get(f"/centers/cases/{resident.code}/discharge/")
    assert form.context["form"]["version"].value() == 1
    # The center manager discharges her first, from the version both read.
    stay_discharge(
        stay=stay,
        left_on=today(),
        exit_reason="reintegrated",
        version=1,
        user=center_manager_tom_dy,
    )
    response = client.post(
        f"/centers/cases/{resident.code}/discharge/",
        {"left_on": today().isoformat(), "exit_reason": "left", "version": 1},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this record" in body
    assert "Your version" in body and "Saved version" in body
    assert ("Exit reason", "Left the center") in response.context["stale"]["yours"]
    saved = {str(label): value for label, value in response.context["stale"]["saved"]}
    assert saved["exit reason"] == "Reintegrated"
    assert Stay.objects.get(pk=stay.pk).exit_reason == "reintegrated"


def test_stay_action_on_a_case_not_in_a_center_goes_back_with_a_message(
    login, social_worker_tom_dy
):
    case = factories.case("TD-2026-0060", created_by=social_worker_tom_dy)
    client = login(social_worker_tom_dy)
    response = client.get(f"/centers/cases/{case.code}/transfer/", follow=True)
    assert b"is not in a center" in response.content


def test_stale_training_update_shows_both_versions(login, resident, training, social_worker_tom_dy):
    VocationalTraining.objects.filter(pk=training.pk).update(
        completed_on=today() - timedelta(days=3), version=2
    )
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/centers/cases/{resident.code}/trainings/{training.uuid}/",
        {
            "completed_on": today().isoformat(),
            "certified_on": "",
            "certificate_number": "",
            "version": 1,
        },
    )
    assert response.status_code == 409
    stale = response.context["stale"]
    assert ("Completed on", today()) in stale["yours"]
    assert ("completed on", today() - timedelta(days=3)) in [
        (str(label), value) for label, value in stale["saved"]
    ]


def test_future_date_is_refused_next_to_the_field(login, resident, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/centers/cases/{resident.code}/trainings/add/",
        {"trade": "sewing", "started_on": (today() + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert "started_on" in response.context["form"].errors
    assert not VocationalTraining.objects.exists()


def test_admit_from_the_center_page_by_case_code(login, tom_dy, social_worker_tom_dy):
    case = factories.case("TD-2026-0050", created_by=social_worker_tom_dy)
    client = login(social_worker_tom_dy)
    response = client.post(
        "/centers/TD/admit/", {"case_code": "td-2026-0050", "admitted_on": today().isoformat()}
    )
    assert response.status_code == 302
    assert Stay.objects.get(case=case).shelter == tom_dy


def test_admit_by_code_does_not_reveal_cases_of_other_centers(
    login, siem_reap, tom_dy, resident, social_worker_siem_reap
):
    client = login(social_worker_siem_reap)
    Stay.objects.filter(case=resident).update(left_on=today(), exit_reason="family")
    response = client.post(
        "/centers/SR/admit/", {"case_code": resident.code, "admitted_on": today().isoformat()}
    )
    assert response.status_code == 400
    assert "case_code" in response.context["form"].errors
    assert Stay.objects.filter(case=resident).count() == 1


def test_admit_of_a_resident_says_she_is_already_in_a_center(login, resident, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/centers/cases/{resident.code}/admit/",
        {"shelter": "TD", "admitted_on": today().isoformat()},
    )
    assert response.status_code == 400
    assert b"already in a center" in response.content


def test_next_to_another_site_is_ignored(login, resident, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    response = client.post(
        f"/centers/cases/{resident.code}/education/add/",
        {"course": "literacy", "started_on": today().isoformat(), "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/cases/{resident.code}/"


def test_activity_participants_picker_offers_only_visible_residents(
    login, tom_dy, siem_reap, resident, social_worker_tom_dy
):
    theirs = factories.case("SR-2026-0001")
    factories.stay(theirs, siem_reap)
    client = login(social_worker_tom_dy)
    page = client.get("/centers/TD/activities/add/")
    assert resident.code.encode() in page.content
    assert b"SR-2026-0001" not in page.content
    refused = client.post(
        "/centers/TD/activities/add/",
        {
            "kind": "study_tour",
            "title": "Factory visit",
            "held_on": today().isoformat(),
            "participants": ["SR-2026-0001"],
        },
    )
    assert refused.status_code == 400 and "participants" in refused.context["form"].errors
    response = client.post(
        "/centers/TD/activities/add/",
        {
            "kind": "study_tour",
            "title": "Factory visit",
            "held_on": today().isoformat(),
            "participants": [resident.code],
        },
    )
    assert response.status_code == 302
    activity = GroupActivity.objects.get()
    assert list(activity.participants.all()) == [resident]
    detail = client.get(f"/centers/TD/activities/{activity.uuid}/")
    assert detail.status_code == 200


def test_case_center_page_is_audited_and_shows_khmer_names_nowhere_but_allowed(
    login, resident, social_worker_tom_dy
):
    client = login(social_worker_tom_dy)
    response = client.get(f"/centers/cases/{resident.code}/")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="case_view", case_code=resident.code).exists()
    center = client.get("/centers/TD/")
    assert "ស្រីពៅ" in center.content.decode()


# Query counts ----------------------------------------------------------------


def test_occupancy_board_counts_and_query_count(
    login, tom_dy, kampong_cham, siem_reap, director, django_assert_num_queries
):
    start = today().replace(day=1)
    for _ in range(3):
        factories.stay(factories.case(), tom_dy, admitted_on=start)
    factories.stay(factories.case(), tom_dy, admitted_on=date(2020, 1, 1))
    factories.stay(
        factories.case(), tom_dy, admitted_on=date(2020, 1, 1), left_on=start, exit_reason="left"
    )
    factories.stay(
        factories.case(),
        kampong_cham,
        admitted_on=date(2020, 1, 1),
        left_on=start - timedelta(days=1),
        exit_reason="family",
    )
    client = login(director)
    # session, user, roles (groups), the one aggregate over centers and stays,
    # the navigation's "does she see any center"
    with django_assert_num_queries(5):
        response = client.get("/centers/")
    board = {center.code: center for center in response.context["board"]}
    td = board["TD"]
    assert (td.residents, td.admissions_this_month, td.discharges_this_month) == (4, 3, 1)
    assert td.free_places == tom_dy.capacity - 4
    kc = board["KC"]
    assert (kc.residents, kc.admissions_this_month, kc.discharges_this_month) == (0, 0, 0)
    assert response.context["totals"]["residents"] == 4


def test_center_list_query_count_for_a_social_worker(
    login, tom_dy, social_worker_tom_dy, django_assert_num_queries
):
    for _ in range(5):
        factories.stay(factories.case(), tom_dy)
    client = login(social_worker_tom_dy)
    # session, user, roles, her centers (center_ids_of, once per request), the
    # one aggregate over her centers, the navigation's "does she see any center"
    with django_assert_num_queries(6):
        response = client.get("/centers/")
    assert [c.code for c in response.context["board"]] == ["TD"]


def test_center_detail_query_count_does_not_grow_with_residents(
    login, tom_dy, social_worker_tom_dy, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            case = factories.case()
            factories.stay(case, tom_dy, admitted_on=date(2020, 1, 1))
        GroupActivity.objects.create(center=tom_dy, kind="other", title="x", held_on=today())

    make(3)
    client = login(social_worker_tom_dy)
    # session, user, roles, her centers (center_ids_of, once per request), the
    # center, residents count, residents page, recent admissions, recent
    # discharges, activities, the navigation's "does she see any center"
    with django_assert_num_queries(11):
        client.get("/centers/TD/")
    make(30)
    with django_assert_num_queries(11):
        response = client.get("/centers/TD/?page=2")
    assert response.context["residents"].paginator.count == 33
