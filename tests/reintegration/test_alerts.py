"""Who an at-risk visit alerts (services.at_risk_recipients), and what the
officer is told when she records one.

The chain: her assigned social worker; else the center managers of her last
center; else the lead of the officer's reintegration team (any team lead if
hers has none); else the directors. Only active staff with an email count.
"""

from datetime import date

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse

from reintegration import services
from reintegration.models import FollowUpVisit, TeamLead
from smf.staff.models import Team
from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create


def _staff(username, roles, *, email="", centers=(), teams=(), active=True):
    user = staff_create(
        username=username,
        password=PASSWORD,
        roles=roles,
        centers=centers,
        teams=teams,
        email=email,
        first_name=username.replace("_", " ").title(),
    )
    if not active:
        user.is_active = False
        user.save()
    return user


def _unreachable(user):
    user.email = ""
    user.save()


@pytest.fixture
def visit(reintegrated):
    return FollowUpVisit.objects.filter(case=reintegrated).order_by("due_on").first()


@pytest.fixture
def other_team_lead(db):
    team = Team.objects.create(code="reint-kc", name="Reintegration KC", kind="reintegration")
    lead = _staff("kc_lead", [Role.REINTEGRATION_OFFICER], email="kc.lead@example.org")
    TeamLead.objects.create(team=team, user=lead)
    return lead


def test_her_social_worker_first(visit, social_worker_tom_dy, team_lead, director):
    _staff(
        "cm_td",
        [Role.CENTER_MANAGER],
        email="cm@example.org",
        centers=[visit.case.stays.get().shelter],
    )
    assert services.at_risk_recipients(visit) == ([social_worker_tom_dy], "social_worker")


@pytest.mark.parametrize("why", ["no_email", "inactive"])
def test_else_the_managers_of_her_last_center(
    visit, social_worker_tom_dy, tom_dy, kampong_cham, team_lead, director, why
):
    if why == "no_email":
        _unreachable(social_worker_tom_dy)
    else:
        social_worker_tom_dy.is_active = False
        social_worker_tom_dy.save()
    # She was at Tom Dy, then at Kampong Cham: Kampong Cham is her last center.
    factories.stay(visit.case, kampong_cham, admitted_on=date(2024, 2, 1))
    _staff("cm_td", [Role.CENTER_MANAGER], email="cm.td@example.org", centers=[tom_dy])
    kc = _staff("cm_kc", [Role.CENTER_MANAGER], email="cm.kc@example.org", centers=[kampong_cham])
    _staff("cm_kc_away", [Role.CENTER_MANAGER], centers=[kampong_cham])  # no email
    _staff(
        "cm_kc_gone",
        [Role.CENTER_MANAGER],
        email="gone@example.org",
        centers=[kampong_cham],
        active=False,
    )
    _staff("sw_kc", [Role.SOCIAL_WORKER], email="sw.kc@example.org", centers=[kampong_cham])
    assert services.at_risk_recipients(visit) == ([kc], "center_manager")


def test_else_the_lead_of_the_officer_s_team(
    visit, social_worker_tom_dy, center_manager_tom_dy, team_lead, other_team_lead, director
):
    _unreachable(social_worker_tom_dy)  # the center manager has no email either
    assert services.at_risk_recipients(visit) == ([team_lead], "team_lead")


def test_else_any_team_lead_when_her_team_has_none(
    visit, social_worker_tom_dy, other_team_lead, director
):
    _unreachable(social_worker_tom_dy)
    assert services.at_risk_recipients(visit) == ([other_team_lead], "team_lead")


def test_every_team_lead_when_nobody_follows_her(
    tom_dy, social_worker_tom_dy, team_lead, other_team_lead, director
):
    """No plan, an unassigned visit: no officer's team to choose, so every lead."""
    case = factories.case("TD-2024-0009", assigned_social_worker=social_worker_tom_dy)
    factories.stay(case, tom_dy, admitted_on=date(2023, 1, 1), left_on=date(2023, 6, 1))
    _unreachable(social_worker_tom_dy)
    unassigned = factories.followup(case, due_on=date(2023, 9, 1), outcome="at_risk")
    TeamLead.objects.create(
        team=Team.objects.create(code="reint-empty", name="Empty", kind="reintegration"),
        user=_staff("empty_lead", [Role.REINTEGRATION_OFFICER], email="empty@example.org"),
    )
    recipients, alerted_as = services.at_risk_recipients(unassigned)
    assert alerted_as == "team_lead"
    assert sorted(u.username for u in recipients) == ["empty_lead", "kc_lead", "lead"]


def test_else_the_directors_with_an_email(visit, social_worker_tom_dy, director):
    _unreachable(social_worker_tom_dy)
    _staff("director_away", [Role.DIRECTOR])
    _staff("director_gone", [Role.DIRECTOR], email="gone@example.org", active=False)
    lead = _staff("lead_gone", [Role.REINTEGRATION_OFFICER], email="x@example.org", active=False)
    TeamLead.objects.create(team=Team.objects.get(code="reint-pp"), user=lead)
    assert services.at_risk_recipients(visit) == ([director], "director")


def test_nobody_when_the_whole_chain_is_unreachable(visit, social_worker_tom_dy):
    _unreachable(social_worker_tom_dy)
    _staff("director_away", [Role.DIRECTOR])
    assert services.at_risk_recipients(visit) == ([], "director")


# --- What the officer is told -----------------------------------------------------


def _record_at_risk(client, visit, outcome="at_risk"):
    return client.post(
        reverse("reintegration:visit_record", args=[visit.uuid]),
        {
            "visited_on": "2024-05-01",
            "visitor_role": "social_worker",
            "outcome": outcome,
            "housing": "1",
            "income": "1",
            "health": "2",
            "safety": "1",
            "version": visit.version,
        },
    )


def _messages(response):
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def test_the_officer_is_told_who_is_alerted(login, officer, visit, social_worker_tom_dy):
    response = _record_at_risk(login(officer), visit)
    assert response.status_code == 302
    told = _messages(response)
    warnings = [text for level, text in told if level == messages.WARNING]
    assert warnings == ["At risk: sw_tomdy (her social worker) will be alerted by email."]
    for _level, text in told:
        assert "Sokha" not in text and "Chan" not in text
    visit.refresh_from_db()
    assert visit.outcome == "at_risk"


def test_the_officer_is_told_the_team_lead_is_alerted(
    login, officer, visit, social_worker_tom_dy, team_lead
):
    _unreachable(social_worker_tom_dy)
    response = _record_at_risk(login(officer), visit)
    warnings = [text for level, text in _messages(response) if level == messages.WARNING]
    assert len(warnings) == 1 and "lead" in warnings[0] and "the team lead" in warnings[0]


def test_the_officer_is_told_when_nobody_can_be_alerted(
    login, officer, visit, social_worker_tom_dy
):
    _unreachable(social_worker_tom_dy)
    response = _record_at_risk(login(officer), visit)
    assert response.status_code == 302
    told = _messages(response)
    assert [level for level, text in told if "Nobody could be alerted" in text] == [messages.ERROR]
    assert not [text for level, text in told if level == messages.WARNING]


def test_a_visit_that_is_not_at_risk_alerts_nobody(login, officer, visit, social_worker_tom_dy):
    response = _record_at_risk(login(officer), visit, outcome="stable")
    assert response.status_code == 302
    levels = [level for level, _text in _messages(response)]
    assert messages.WARNING not in levels and messages.ERROR not in levels
