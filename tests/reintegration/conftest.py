"""Fixtures of the reintegration tests: an officer of the team serving Tom Dy, a
resident, a team lead."""

from __future__ import annotations

from datetime import date

import pytest

from reintegration import services
from reintegration.models import TeamCenter, TeamLead
from smf.staff.models import Team
from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create


@pytest.fixture
def reintegration_team(db, tom_dy):
    """The Phnom Penh reintegration team: it serves Tom Dy (TeamCenter)."""
    team = Team.objects.create(
        code="reint-pp", name="Reintegration PP", kind=Team.Kind.REINTEGRATION
    )
    TeamCenter.objects.create(team=team, center=tom_dy)
    return team


@pytest.fixture
def officer(db, reintegration_team):
    """A reintegration officer of the team serving Tom Dy: she works at no
    center herself, she sees Tom Dy's residents through her team."""
    return staff_create(
        username="officer_td",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[reintegration_team],
        email="officer.td@example.org",
    )


@pytest.fixture
def team_lead(db, reintegration_team):
    lead = staff_create(
        username="lead",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[reintegration_team],
        email="lead@example.org",
    )
    TeamLead.objects.create(team=reintegration_team, user=lead)
    return lead


@pytest.fixture
def resident(db, tom_dy, social_worker_tom_dy):
    social_worker_tom_dy.email = "sw.td@example.org"
    social_worker_tom_dy.save()
    case = factories.case(
        "TD-2024-0001",
        given_name="Sokha",
        family_name="Chan",
        assigned_social_worker=social_worker_tom_dy,
    )
    factories.stay(case, tom_dy, admitted_on=date(2023, 1, 5))
    return case


@pytest.fixture
def reintegrated(resident, officer):
    """The resident, reintegrated on 31 January 2024 by the officer."""
    services.plan_save(
        case=resident,
        pathway="own_business",
        officer=officer,
        interval_months=None,
        duration_months=None,
        user=officer,
    )
    services.reintegration_record(case=resident, left_on=date(2024, 1, 31), user=officer)
    return resident
