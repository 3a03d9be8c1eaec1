"""Who works at which center, and in which team, opens case files: every grant
and removal is in the audit log, from either side of the relation, with the
staff member's user id and the codes (never a name)."""

from __future__ import annotations

import pytest

from shelters.models import center_ids_of
from shelters.services import center_staff_set
from smf.staff.audit import current_actor
from smf.staff.models import AuditLog, Team
from smf.staff.roles import Role
from smf.staff.services import staff_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def lines(prefix: str):
    return [
        (entry.action, entry.user_id, entry.details)
        for entry in AuditLog.objects.filter(action__startswith=prefix).order_by("id")
    ]


@pytest.fixture
def worker(db):
    return staff_create(username="sw_new", password=PASSWORD, roles=[Role.SOCIAL_WORKER])


@pytest.fixture
def teams(db):
    return (
        Team.objects.create(code="reint-pp", name="Reintegration PP", kind="reintegration"),
        Team.objects.create(code="reint-sr", name="Reintegration SR", kind="reintegration"),
    )


def test_center_staff_set_writes_a_grant_and_a_removal_by_whom_decided(
    worker, administrator, tom_dy, siem_reap, kampong_cham
):
    center_staff_set(user=worker, centers=[tom_dy, siem_reap], by=administrator)
    assert center_ids_of(worker) == {tom_dy.pk, siem_reap.pk}
    center_staff_set(user=worker, centers=[siem_reap, kampong_cham], by=administrator)
    assert center_ids_of(worker) == {siem_reap.pk, kampong_cham.pk}  # not the cached ids
    assert lines("center_") == [
        ("center_grant", administrator.pk, {"staff": worker.pk, "center": ["SR", "TD"]}),
        ("center_remove", administrator.pk, {"staff": worker.pk, "center": ["TD"]}),
        ("center_grant", administrator.pk, {"staff": worker.pk, "center": ["KC"]}),
    ]
    # Setting the same centers again changes nothing and writes nothing.
    center_staff_set(user=worker, centers=[siem_reap, kampong_cham], by=administrator)
    assert len(lines("center_")) == 3


def test_center_changes_from_the_center_s_side_are_audited(worker, director, tom_dy, siem_reap):
    profile = worker.staff_profile
    token = current_actor.set(director)
    try:
        tom_dy.staff.add(profile)
        siem_reap.staff.add(profile)
        tom_dy.staff.remove(profile)
        siem_reap.staff.clear()
    finally:
        current_actor.reset(token)
    assert lines("center_") == [
        ("center_grant", director.pk, {"staff": worker.pk, "center": ["TD"]}),
        ("center_grant", director.pk, {"staff": worker.pk, "center": ["SR"]}),
        ("center_remove", director.pk, {"staff": worker.pk, "center": ["TD"]}),
        ("center_remove", director.pk, {"staff": worker.pk, "center": ["SR"]}),
    ]
    assert not profile.centers.exists()


def test_clearing_her_centers_names_each_one_removed(worker, tom_dy, siem_reap):
    center_staff_set(user=worker, centers=[tom_dy, siem_reap])
    worker.staff_profile.centers.clear()
    assert lines("center_remove") == [
        ("center_remove", None, {"staff": worker.pk, "center": ["SR", "TD"]})
    ]


def test_team_changes_are_audited_from_either_side(administrator, teams):
    pp, sr = teams
    worker = staff_create(
        username="ro_new",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[pp],
        by=administrator,
    )
    profile = worker.staff_profile
    token = current_actor.set(administrator)
    try:
        profile.teams.add(sr)
        pp.members.remove(profile)
        profile.teams.clear()
    finally:
        current_actor.reset(token)
    assert lines("team_") == [
        ("team_grant", administrator.pk, {"staff": worker.pk, "team": ["reint-pp"]}),
        ("team_grant", administrator.pk, {"staff": worker.pk, "team": ["reint-sr"]}),
        ("team_remove", administrator.pk, {"staff": worker.pk, "team": ["reint-pp"]}),
        ("team_remove", administrator.pk, {"staff": worker.pk, "team": ["reint-sr"]}),
    ]
    assert not profile.teams.exists()


def test_staff_create_audits_only_the_teams_that_change(administrator, teams):
    pp, sr = teams
    staff_create(
        username="ro_new", password=PASSWORD, roles=[Role.REINTEGRATION_OFFICER], teams=[pp]
    )
    user = staff_create(
        username="ro_new",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[pp, sr],
        by=administrator,
    )
    assert lines("team_") == [
        ("team_grant", None, {"staff": user.pk, "team": ["reint-pp"]}),
        ("team_grant", administrator.pk, {"staff": user.pk, "team": ["reint-sr"]}),
    ]
