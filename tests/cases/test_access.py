"""Who sees which case, tested for every role (the rules live in cases/access.py).

One small world of cases, each named by why someone should or should not see it,
and for each persona the exact set of cases `Case.objects.visible_to` returns.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from cases.access import case_get_for_user
from cases.models import Case, Consent, LegalCase
from outreach.models import ClinicVisit, Event, Meeting, OutreachVisit, Venue
from reintegration.models import FollowUpVisit, ReintegrationPlan, ReintegrationSupport, TeamCenter
from shelters.models import EducationRecord, Internship, Stay, VocationalTraining
from smf.staff.models import AuditLog, Team
from smf.staff.roles import Role
from smf.staff.services import role_permissions, roles_sync
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tom_dy, siem_reap, social_worker_tom_dy):
    """Cases named by their situation: {name: Case}."""
    c = {}
    c["tom_dy_resident"] = factories.case("TD-1")
    factories.stay(c["tom_dy_resident"], tom_dy, admitted_on=date(2011, 2, 1))

    # Lived at Tom Dy, moved to Siem Reap: past residents stay visible.
    c["moved_tom_dy_to_siem_reap"] = factories.case("TD-2")
    factories.stay(
        c["moved_tom_dy_to_siem_reap"],
        tom_dy,
        admitted_on=date(2010, 1, 1),
        left_on=date(2010, 6, 1),
        exit_reason=Stay.ExitReason.TRANSFERRED,
    )
    factories.stay(c["moved_tom_dy_to_siem_reap"], siem_reap, admitted_on=date(2010, 6, 1))

    c["siem_reap_resident"] = factories.case("SR-1")
    factories.stay(c["siem_reap_resident"], siem_reap)

    c["siem_reap_reintegrated"] = factories.case("SR-2")
    factories.stay(
        c["siem_reap_reintegrated"],
        siem_reap,
        admitted_on=date(2010, 3, 1),
        left_on=date(2011, 3, 1),
        exit_reason=Stay.ExitReason.REINTEGRATED,
    )

    # Left Siem Reap for her family: not reintegrated by the organisation.
    c["siem_reap_left_for_family"] = factories.case("SR-3")
    factories.stay(
        c["siem_reap_left_for_family"],
        siem_reap,
        admitted_on=date(2010, 3, 1),
        left_on=date(2010, 9, 1),
        exit_reason=Stay.ExitReason.FAMILY,
    )

    c["siem_reap_with_legal_case"] = factories.case("SR-4")
    factories.stay(c["siem_reap_with_legal_case"], siem_reap)
    factories.legal_case(c["siem_reap_with_legal_case"], reference="PP-2011-001")

    # Reintegration work without a stay in the records.
    c["support_only"] = factories.case("RS-1")
    factories.support(c["support_only"])
    c["followup_only"] = factories.case("RF-1")
    factories.followup(c["followup_only"])

    # Registered by the Tom Dy social worker, not admitted yet.
    c["intake_by_tom_dy_worker"] = factories.case("IN-1", created_by=social_worker_tom_dy)
    c["assigned_to_tom_dy_worker"] = factories.case(
        "IN-2", assigned_social_worker=social_worker_tom_dy
    )
    # Registered by nobody we know, no stay: only directors and administrators.
    c["orphan_intake"] = factories.case("IN-3")
    return c


def fresh(user: User) -> User:
    """The user as a request would load it (no cached roles or centers)."""
    return User.objects.get(pk=user.pk)


def visible(world, user) -> set[str]:
    codes = set(Case.objects.visible_to(fresh(user)).values_list("code", flat=True))
    return {name for name, case in world.items() if case.code in codes}


ALL_CASES = {
    "tom_dy_resident",
    "moved_tom_dy_to_siem_reap",
    "siem_reap_resident",
    "siem_reap_reintegrated",
    "siem_reap_left_for_family",
    "siem_reap_with_legal_case",
    "support_only",
    "followup_only",
    "intake_by_tom_dy_worker",
    "assigned_to_tom_dy_worker",
    "orphan_intake",
}


def test_world_has_every_case(world):
    assert set(world) == ALL_CASES


# --- Case.objects.visible_to, role by role ---------------------------------------------


def test_social_worker_sees_her_centers_residents_past_and_present_and_her_intakes(
    world, social_worker_tom_dy
):
    assert visible(world, social_worker_tom_dy) == {
        "tom_dy_resident",
        "moved_tom_dy_to_siem_reap",
        "intake_by_tom_dy_worker",
        "assigned_to_tom_dy_worker",
    }


def test_social_worker_cannot_see_other_shelters_cases(world, social_worker_tom_dy):
    seen = visible(world, social_worker_tom_dy)
    assert not seen & {"siem_reap_resident", "siem_reap_reintegrated", "siem_reap_with_legal_case"}


def test_social_worker_of_siem_reap(world, social_worker_siem_reap):
    assert visible(world, social_worker_siem_reap) == {
        "moved_tom_dy_to_siem_reap",
        "siem_reap_resident",
        "siem_reap_reintegrated",
        "siem_reap_left_for_family",
        "siem_reap_with_legal_case",
    }


def test_center_manager_sees_her_centers_residents_past_and_present(world, center_manager_tom_dy):
    # Another worker's intake has no stay yet, so no center: the manager sees it
    # once the survivor is admitted (or if she is assigned to it).
    assert visible(world, center_manager_tom_dy) == {
        "tom_dy_resident",
        "moved_tom_dy_to_siem_reap",
    }


def _serving_team(code, *centers, kind=Team.Kind.REINTEGRATION):
    team = Team.objects.create(code=code, name=f"Team {code}", kind=kind)
    for center in centers:
        TeamCenter.objects.create(team=team, center=center)
    return team


def test_reintegration_officer_without_a_team_or_cases_of_her_own_sees_nothing(
    world, reintegration_officer
):
    # Reintegrated, supported or followed-up cases are no longer open to every
    # officer across the organisation: only through her team or her own work.
    assert visible(world, reintegration_officer) == set()


def test_reintegration_officer_sees_the_residents_past_and_present_of_the_centers_her_team_serves(
    world, siem_reap
):
    officer = staff_create(
        username="reint_sr",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[_serving_team("reint-sr", siem_reap)],
    )
    assert visible(world, officer) == {
        "moved_tom_dy_to_siem_reap",
        "siem_reap_resident",
        "siem_reap_reintegrated",
        "siem_reap_left_for_family",
        "siem_reap_with_legal_case",
    }


def test_reintegration_officer_sees_the_cases_she_follows_and_no_other_reintegrated_case(
    world, reintegration_officer
):
    ReintegrationPlan.objects.create(
        case=world["tom_dy_resident"],
        pathway=ReintegrationPlan.Pathway.FAMILY,
        officer=reintegration_officer,
    )
    factories.followup(
        world["orphan_intake"],
        visited_on=None,
        due_on=date(2012, 1, 1),
        assigned_to=reintegration_officer,
    )
    # Someone else's plan and an unassigned visit grant her nothing.
    ReintegrationPlan.objects.create(
        case=world["siem_reap_reintegrated"], pathway=ReintegrationPlan.Pathway.EMPLOYMENT
    )
    assert visible(world, reintegration_officer) == {"tom_dy_resident", "orphan_intake"}


def test_a_center_of_her_own_or_a_team_of_another_kind_grants_an_officer_nothing(
    world, tom_dy, siem_reap
):
    officer = staff_create(
        username="reint_td",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        centers=[tom_dy],
        teams=[_serving_team("outreach-sr", siem_reap, kind=Team.Kind.OUTREACH)],
    )
    assert visible(world, officer) == set()


def test_legal_officer_sees_only_cases_with_a_legal_case(world, legal_officer):
    assert visible(world, legal_officer) == {"siem_reap_with_legal_case"}


def test_outreach_worker_sees_no_case(world, outreach_worker):
    assert visible(world, outreach_worker) == set()


@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_directors_and_administrators_see_every_case(world, request, persona):
    assert visible(world, request.getfixturevalue(persona)) == ALL_CASES


def test_superuser_without_a_role_sees_every_case(world):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert visible(world, root) == ALL_CASES


def test_user_without_a_role_sees_nothing(world, no_role_user, tom_dy):
    # Even with a center: the center alone grants nothing without a role.
    no_role_user.staff_profile.centers.add(tom_dy)
    assert visible(world, no_role_user) == set()


def test_inactive_user_sees_nothing(world, social_worker_tom_dy, director):
    for user in (social_worker_tom_dy, director):
        user.is_active = False
        user.save()
        assert visible(world, user) == set()


def test_anonymous_user_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()


def test_two_roles_see_the_union(world, tom_dy):
    user = staff_create(
        username="legal_reint",
        password=PASSWORD,
        roles=[Role.LEGAL_OFFICER, Role.REINTEGRATION_OFFICER],
        teams=[_serving_team("reint-td", tom_dy)],
    )
    assert visible(world, user) == {
        "siem_reap_with_legal_case",
        "tom_dy_resident",
        "moved_tom_dy_to_siem_reap",
    }


def test_visible_to_is_one_query_after_roles_and_centers(
    world, social_worker_tom_dy, django_assert_num_queries
):
    user = fresh(social_worker_tom_dy)
    # 1: the user's groups, 2: the user's centers, 3: the cases.
    with django_assert_num_queries(3):
        list(Case.objects.visible_to(user))
    # Roles and centers are cached on the user for the rest of the request.
    with django_assert_num_queries(1):
        list(Case.objects.visible_to(user))


def _sql(user) -> str:
    return str(Case.objects.visible_to(fresh(user)).query).upper()


def test_the_social_workers_rule_is_plain_id_in_subqueries_without_exists(
    world, social_worker_tom_dy
):
    # An EXISTS inside an OR defeats the planner on PostgreSQL at volume: each
    # grant must be a column test or `id IN (subquery)`.
    sql = _sql(social_worker_tom_dy)
    assert "EXISTS" not in sql
    assert " OR " in sql and '"CASES_CASE"."ID" IN (SELECT' in sql


def test_every_scoped_roles_rule_is_free_of_exists(world, tom_dy, siem_reap, legal_officer):
    officer = staff_create(
        username="reint_td_sql",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER, Role.CENTER_MANAGER, Role.LEGAL_OFFICER],
        centers=[siem_reap],
        teams=[_serving_team("reint-td-sql", tom_dy)],
    )
    for user in (officer, legal_officer):
        sql = _sql(user)
        assert "EXISTS" not in sql, sql
        assert '"CASES_CASE"."ID" IN (SELECT' in sql


# --- tables that hang off a case ---------------------------------------------------------


def _records(world):
    """One record of each case-scoped kind for the Tom Dy resident and the Siem Reap
    case with a legal case, keyed by model."""
    td, sr = world["tom_dy_resident"], world["siem_reap_with_legal_case"]
    for case in (td, sr):
        factories.education(case)
        factories.training(case)
        factories.internship(case)
        factories.support(case)
        factories.followup(case)
        Consent.objects.create(
            case=case, purpose=Consent.Purpose.DATA_PROCESSING, given_on=date(2011, 1, 10)
        )
    factories.legal_case(td, reference="PP-2011-002")
    return td, sr


CASE_SCOPED = [
    Stay,
    EducationRecord,
    VocationalTraining,
    Internship,
    ReintegrationSupport,
    FollowUpVisit,
    LegalCase,
    Consent,
]


@pytest.mark.parametrize("model", CASE_SCOPED, ids=lambda m: m.__name__)
def test_case_records_follow_their_case(model, world, social_worker_tom_dy, legal_officer):
    td, sr = _records(world)
    seen = set(model.objects.visible_to(fresh(social_worker_tom_dy)).values_list("case", flat=True))
    assert td.pk in seen
    assert sr.pk not in seen
    # The legal officer now sees both cases (each has a legal case), the
    # no-role user nothing at all.
    seen_by_legal = set(
        model.objects.visible_to(fresh(legal_officer)).values_list("case", flat=True)
    )
    assert {td.pk, sr.pk} <= seen_by_legal


@pytest.mark.parametrize("model", CASE_SCOPED, ids=lambda m: m.__name__)
def test_case_records_are_hidden_from_users_without_a_role(model, world, no_role_user):
    _records(world)
    assert model.objects.exists()
    assert not model.objects.visible_to(fresh(no_role_user)).exists()


def test_every_table_with_a_case_has_a_visible_to():
    """A new model that points at a case must be scoped, or it is a leak waiting."""
    unscoped = []
    for model in apps.get_models():
        points_at_case = any(
            isinstance(field, (models.ForeignKey, models.OneToOneField, models.ManyToManyField))
            and field.related_model is Case
            for field in model._meta.get_fields()
            if not field.auto_created
        )
        if points_at_case and not hasattr(model._default_manager, "visible_to"):
            unscoped.append(model._meta.label)
    assert unscoped == []


# --- outreach and clinic records ----------------------------------------------------------


@pytest.fixture
def outreach_records(db):
    venue = factories.venue()
    factories.outreach_visit(venue)
    factories.clinic_visit()
    factories.meeting()
    factories.event()


OUTREACH_MODELS = [Venue, OutreachVisit, ClinicVisit, Meeting, Event]


@pytest.mark.parametrize("persona", ["outreach_worker", "director", "administrator"])
@pytest.mark.parametrize("model", OUTREACH_MODELS, ids=lambda m: m.__name__)
def test_outreach_records_are_for_outreach_staff_and_directors(
    outreach_records, request, persona, model
):
    user = fresh(request.getfixturevalue(persona))
    assert model.objects.visible_to(user).count() == model.objects.count() > 0


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker_tom_dy",
        "center_manager_tom_dy",
        "reintegration_officer",
        "legal_officer",
        "no_role_user",
    ],
)
@pytest.mark.parametrize("model", OUTREACH_MODELS, ids=lambda m: m.__name__)
def test_outreach_records_are_hidden_from_everyone_else(outreach_records, request, persona, model):
    user = fresh(request.getfixturevalue(persona))
    assert model.objects.exists()
    assert not model.objects.visible_to(user).exists()


def test_inactive_outreach_worker_sees_no_outreach_record(outreach_records, outreach_worker):
    outreach_worker.is_active = False
    outreach_worker.save()
    assert not Venue.objects.visible_to(fresh(outreach_worker)).exists()


# --- case_get_for_user -------------------------------------------------------------------


def test_case_get_for_user_returns_a_visible_case(world, social_worker_tom_dy):
    case = case_get_for_user(user=fresh(social_worker_tom_dy), code="TD-1")
    assert case == world["tom_dy_resident"]


@pytest.mark.parametrize("code", ["SR-1", "NO-SUCH-CODE"])
def test_case_get_for_user_is_a_404_and_audited_for_an_invisible_case(
    world, social_worker_tom_dy, code
):
    # An invisible case and a missing one look the same from outside.
    with pytest.raises(Http404):
        case_get_for_user(user=fresh(social_worker_tom_dy), code=code)
    entry = AuditLog.objects.get(action="access_denied")
    assert entry.user == social_worker_tom_dy
    assert entry.case_code == code


def test_case_get_for_user_refuses_a_write_by_a_reader_and_audits_it(world, director):
    with pytest.raises(PermissionDenied):
        case_get_for_user(user=fresh(director), code="TD-1", for_write=True)
    assert AuditLog.objects.filter(action="write_denied", case_code="TD-1").count() == 1
    # Reading is fine and records no refusal.
    case_get_for_user(user=fresh(director), code="TD-1")
    assert not AuditLog.objects.filter(action="access_denied").exists()


def test_case_view_is_a_404_for_the_wrong_user(world, login, social_worker_tom_dy):
    client = login(social_worker_tom_dy)
    assert client.get("/cases/SR-1/").status_code == 404


# --- roles as groups with permissions ------------------------------------------------------


def _codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def _wanted(role: str) -> set[str]:
    return {codename for _app, codename in role_permissions(role)}


def test_role_groups_have_their_permissions_right_after_migrate():
    # No roles_sync() here: this is the state a fresh `migrate` leaves.
    missing = {
        role: sorted(_wanted(role) - _codenames(Group.objects.get(name=role))) for role in Role.ALL
    }
    assert {role: names for role, names in missing.items() if names} == {}


@pytest.mark.parametrize("role", Role.ALL)
def test_role_group_has_exactly_the_permissions_its_sections_declare(role):
    roles_sync()
    group = Group.objects.get(name=role)
    assert _codenames(group) == _wanted(role)


def test_nobody_may_delete_a_record_of_a_person():
    # The one deletion any role may make: an administrator unlocks sign-in by
    # deleting failed attempts (django-axes), which are not a person's record.
    unlocking = {"delete_accessattempt"}
    for role in Role.ALL:
        names = _codenames(Group.objects.get(name=role))
        assert not {n for n in names if n.startswith("delete_")} - unlocking, role
    assert "delete_accessattempt" in _codenames(Group.objects.get(name=Role.ADMINISTRATOR))


def test_section_levels_give_view_or_change():
    social = _codenames(Group.objects.get(name=Role.SOCIAL_WORKER))
    assert {"view_case", "change_case", "add_casenote", "change_stay"} <= social
    assert "change_followupvisit" not in social and "view_followupvisit" in social
    legal = _codenames(Group.objects.get(name=Role.LEGAL_OFFICER))
    assert {"change_legalcase", "add_hearing", "view_case"} <= legal
    assert not {"change_case", "change_consent", "view_stay"} & legal


def test_outreach_worker_has_no_case_permission():
    names = _codenames(Group.objects.get(name=Role.OUTREACH_WORKER))
    assert not {n for n in names if n.endswith("_case") or n.endswith("_stay")}


def test_administrator_manages_accounts_and_reads_cases_but_changes_none():
    roles_sync()
    names = _codenames(Group.objects.get(name=Role.ADMINISTRATOR))
    assert {"add_user", "change_user", "view_auditlog", "view_case", "change_shelter"} <= names
    assert not names & {"change_case", "change_casenote", "change_stay", "change_followupvisit"}
    assert not names & {"change_auditlog", "delete_auditlog", "add_auditlog"}


def test_roles_sync_repairs_a_tampered_group():
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=Role.LEGAL_OFFICER)
    group.permissions.add(Permission.objects.get(codename="delete_case"))
    roles_sync()
    assert "delete_case" not in _codenames(group)
