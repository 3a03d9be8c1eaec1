"""Every reintegration page: who may see it, who may write, and its query count."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from reintegration import services
from reintegration.models import (
    FollowUpVisit,
    ReintegrationPlan,
    ReintegrationSupport,
    TeamCenter,
)
from shelters.models import Stay
from tests import factories
from tests.conftest import audit_write_queries

CASE_READS = ["reintegration:case"]
CASE_WRITES = [
    "reintegration:plan",
    "reintegration:reintegrate",
    "reintegration:support_add",
    "reintegration:visit_add",
]
VISIT_WRITES = [
    "reintegration:visit_record",
    "reintegration:visit_reschedule",
    "reintegration:visit_cancel",
]
TEAM_PAGES = [
    "reintegration:agenda",
    "reintegration:calendar",
    "reintegration:team",
    "reintegration:feed_settings",
]


def _visit(case):
    return FollowUpVisit.objects.filter(case=case).first()


@pytest.mark.parametrize("name", TEAM_PAGES + ["reintegration:settings"])
def test_anonymous_users_are_sent_to_log_in(client, name, db):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize(
    "persona", ["no_role_user", "outreach_worker", "social_worker_tom_dy", "legal_officer"]
)
@pytest.mark.parametrize("name", TEAM_PAGES)
def test_team_pages_are_refused_to_staff_outside_the_team(login, request, persona, name):
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", TEAM_PAGES)
def test_team_pages_open_for_officers_and_directors(login, officer, director, name):
    assert login(officer).get(reverse(name)).status_code == 200
    assert login(director).get(reverse(name)).status_code == 200


def test_schedule_settings_are_for_administrators_only(login, officer, director, administrator):
    url = reverse("reintegration:settings")
    assert login(officer).get(url).status_code == 404
    assert login(director).get(url).status_code == 404
    client = login(administrator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"interval_months": "4", "duration_months": "2"})
    assert response.status_code == 400 and "no longer than" in response.content.decode()
    from reintegration.selectors import followup_settings_current

    assert followup_settings_current().interval_months == 3
    client.post(url, {"interval_months": "4", "duration_months": "24"})
    assert followup_settings_current().interval_months == 4


@pytest.mark.parametrize(
    "persona", ["no_role_user", "outreach_worker", "legal_officer", "social_worker_siem_reap"]
)
def test_a_case_is_404_for_users_who_may_not_see_its_follow_ups(
    login, request, reintegrated, persona
):
    client = login(request.getfixturevalue(persona))
    for name in CASE_READS + CASE_WRITES:
        assert client.get(reverse(name, args=[reintegrated.code])).status_code == 404, name
    for name in VISIT_WRITES:
        url = reverse(name, args=[_visit(reintegrated).uuid])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"reason": "x"}).status_code == 404, name


@pytest.mark.parametrize("persona", ["social_worker_tom_dy", "center_manager_tom_dy", "director"])
def test_center_staff_and_directors_read_follow_ups_but_cannot_write(
    login, request, reintegrated, persona
):
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("reintegration:case", args=[reintegrated.code]))
    assert page.status_code == 200
    assert page.content.decode().count('data-status="scheduled"') == 8
    assert "/record/" not in page.content.decode()
    for name in CASE_WRITES:
        url = reverse(name, args=[reintegrated.code])
        assert client.get(url).status_code == 403, name
        assert client.post(url, {}).status_code == 403, name
    visit = _visit(reintegrated)
    for name in VISIT_WRITES:
        url = reverse(name, args=[visit.uuid])
        assert client.post(url, {"reason": "no", "due_on": "2030-01-01"}).status_code == 403
    visit.refresh_from_db()
    assert visit.status == "scheduled" and visit.due_on == date(2024, 4, 30)


def test_an_officer_plans_and_reintegrates_a_resident_of_her_center(
    login, officer, resident, tom_dy
):
    client = login(officer)
    response = client.post(
        reverse("reintegration:plan", args=[resident.code]),
        {"pathway": "own_business", "officer": officer.pk},
    )
    assert response.status_code == 302
    left_on = timezone.localdate() - timedelta(days=1)
    stay = Stay.objects.get(case=resident)
    response = client.post(
        reverse("reintegration:reintegrate", args=[resident.code]),
        {"left_on": left_on.isoformat(), "stay_version": stay.version},
    )
    assert response.status_code == 302
    assert FollowUpVisit.objects.filter(case=resident).count() == 8
    assert ReintegrationPlan.objects.get(case=resident).reintegrated_on == left_on


def test_bad_input_gets_a_message_and_changes_nothing(login, officer, reintegrated):
    client = login(officer)
    visit = _visit(reintegrated)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("reintegration:visit_record", args=[visit.uuid]),
        {
            "visited_on": future,
            "visitor_role": "trainer",
            "outcome": "stable",
            "housing": "3",
            "income": "3",
            "health": "3",
            "safety": "9",
            "version": visit.version,
        },
    )
    assert response.status_code == 400
    response = client.post(
        reverse("reintegration:visit_record", args=[visit.uuid]),
        {
            "visited_on": future,
            "visitor_role": "trainer",
            "outcome": "stable",
            "housing": "3",
            "income": "3",
            "health": "3",
            "safety": "3",
            "version": visit.version,
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    response = client.post(
        reverse("reintegration:support_add", args=[reintegrated.code]),
        {"kind": "microgrant", "given_on": "2024-02-01", "amount": "400000", "currency": "KHR"},
    )
    assert response.status_code == 400 and "rate used" in response.content.decode()
    visit.refresh_from_db()
    assert visit.visited_on is None and not ReintegrationSupport.objects.exists()


def test_a_stale_form_is_refused(login, officer, reintegrated):
    client = login(officer)
    visit = _visit(reintegrated)
    url = reverse("reintegration:visit_reschedule", args=[visit.uuid])
    client.post(url, {"due_on": "2024-05-10", "assigned_to": officer.pk, "version": 1})
    response = client.post(url, {"due_on": "2024-05-20", "assigned_to": officer.pk, "version": 1})
    assert response.status_code == 409
    assert "Someone else saved this record" in response.content.decode()
    visit.refresh_from_db()
    assert visit.due_on == date(2024, 5, 10)


def test_the_feed_lists_her_visits_by_case_code_and_a_revoked_token_is_404(
    client, login, officer, reintegrated
):
    login(officer).post(reverse("reintegration:feed_token"), {"action": "regenerate"})
    officer.staff_profile.refresh_from_db()
    token = officer.staff_profile.calendar_token
    client.logout()
    response = client.get(reverse("reintegration:feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 8
    assert all(str(e["summary"]) == f"Follow-up visit {reintegrated.code}" for e in events)
    assert events[0].decoded("dtstart") == date(2024, 4, 30)
    assert b"Sokha" not in response.content and b"Chan" not in response.content
    # A new address: the old one is gone; revoked: nothing works.
    login(officer).post(reverse("reintegration:feed_token"), {"action": "regenerate"})
    assert client.get(reverse("reintegration:feed", args=[token])).status_code == 404
    officer.staff_profile.refresh_from_db()
    new = officer.staff_profile.calendar_token
    login(officer).post(reverse("reintegration:feed_token"), {"action": "revoke"})
    client.logout()
    assert client.get(reverse("reintegration:feed", args=[new])).status_code == 404


def test_an_unknown_token_is_404(client, db):
    url = reverse("reintegration:feed", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_the_agenda_shows_overdue_visits_by_officer_and_province(
    login, officer, team_lead, reintegrated, siem_reap, reintegration_team
):
    other = factories.case("SR-2024-0001")
    factories.stay(other, siem_reap, admitted_on=date(2023, 1, 1), left_on=date(2023, 6, 1))
    services.followup_add(case=other, due_on=date(2024, 1, 1), assigned_to=team_lead, user=officer)
    client = login(officer)
    # Her team serves Tom Dy only: the Siem Reap visit (the lead's) is not hers to see.
    page = client.get(reverse("reintegration:agenda"), {"show": "overdue"}).content.decode()
    assert page.count("data-visit=") == 8 and "SR-2024-0001" not in page
    TeamCenter.objects.create(team=reintegration_team, center=siem_reap)
    client = login(officer)  # a new request: her served centers are read again
    page = client.get(reverse("reintegration:agenda"), {"show": "overdue"}).content.decode()
    assert page.count("data-visit=") == 9  # eight of Tom Dy (all past) and one of Siem Reap
    page = client.get(
        reverse("reintegration:agenda"), {"show": "overdue", "province": "Siem Reap"}
    ).content.decode()
    assert page.count("data-visit=") == 1 and "SR-2024-0001" in page
    page = client.get(
        reverse("reintegration:agenda"), {"show": "overdue", "officer": officer.pk}
    ).content.decode()
    assert page.count("data-visit=") == 8 and "SR-2024-0001" not in page


def test_the_calendar_shows_the_month_s_visits(login, officer, reintegrated):
    page = login(officer).get(reverse("reintegration:calendar"), {"month": "2024-04"})
    assert page.status_code == 200
    html = page.content.decode()
    cell = html[html.index('data-day="2024-04-30"') :]
    assert reintegrated.code in cell[: cell.index("</td>")]
    assert (
        login(officer).get(reverse("reintegration:calendar"), {"month": "x-13"}).status_code == 200
    )


# --- Pinned query counts ---------------------------------------------------------


def _many_visits(tom_dy, officer, n=30):
    for i in range(n):
        case = factories.case(f"TD-2020-{i:04d}")
        factories.stay(case, tom_dy, admitted_on=date(2019, 1, 1), left_on=date(2020, 1, 1))
        factories.followup(
            case, due_on=date(2021, 1, 1) + timedelta(days=i), visited_on=None, assigned_to=officer
        )
        factories.followup(
            case, due_on=date(2020, 6, 1), visited_on=date(2020, 6, 3), assigned_to=officer
        )


def test_agenda_query_count_is_pinned(login, officer, tom_dy, django_assert_num_queries):
    _many_visits(tom_dy, officer)
    client = login(officer)
    client.get(reverse("reintegration:agenda"))  # warm the session
    # session, user, roles (groups), her centers (center_ids_of), the centers her
    # team serves (TeamCenter), paginator count, counts aggregate, provinces, the
    # navigation's "does she see any center", officers, page of visits (case,
    # officer, province joined)
    with django_assert_num_queries(11):
        response = client.get(reverse("reintegration:agenda"), {"show": "overdue"})
    assert response.content.decode().count("data-visit=") == 25


def test_calendar_query_count_is_pinned(login, officer, tom_dy, django_assert_num_queries):
    _many_visits(tom_dy, officer)
    client = login(officer)
    # session, user, roles, her centers, the centers her team serves, the month's
    # visits, provinces, the navigation's "does she see any center", officers
    with django_assert_num_queries(9):
        response = client.get(reverse("reintegration:calendar"), {"month": "2021-01"})
    assert response.content.decode().count(">TD-2020-") == 30


def test_team_query_count_is_pinned(login, officer, tom_dy, django_assert_num_queries):
    _many_visits(tom_dy, officer)
    client = login(officer)
    # session, user, roles, her centers, the centers her team serves, per year,
    # per year and officer, the navigation's "does she see any center"
    with django_assert_num_queries(8):
        response = client.get(reverse("reintegration:team"))
    assert 'data-year="2020"' in response.content.decode()


def test_case_page_query_count_is_pinned(login, officer, reintegrated, django_assert_num_queries):
    client = login(officer)
    # session, user, roles, her centers, the centers her team serves, the case,
    # audit line (its chain's queries), plan (+officer), support, visits
    # (+officer), open stay (+center), the navigation's "does she see any center"
    with django_assert_num_queries(11 + audit_write_queries()):
        response = client.get(reverse("reintegration:case", args=[reintegrated.code]))
    assert response.content.decode().count("data-visit=") == 8


def test_the_case_file_section_reads_only_prefetched_relations(
    reintegrated, officer, django_assert_num_queries
):
    from django.template.loader import render_to_string

    from cases.selectors import case_file_get
    from reintegration.case_panels import reintegration_context

    # What the panel's context preloads (support; visits with their officer, in
    # two queries) is all the section may read.
    case = case_file_get(user=officer, code=reintegrated.code)
    with django_assert_num_queries(2):
        reintegration_context(None, case)
    with django_assert_num_queries(0):
        html = render_to_string(
            "reintegration/_case_section.html", {"case": case, "can_edit": True}
        )
    assert html.count("data-visit=") == 8 and "/record/" not in html
    assert reverse("reintegration:case", args=[reintegrated.code]) in html
