"""The follow-up schedule: month ends, leap days, early and late visits, plan changes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from reintegration import services
from reintegration.models import FollowUpSettings, FollowUpVisit, ReintegrationPlan
from shelters.models import Stay
from tests.reintegration.helpers import record


def test_months_after_clamps_to_the_month_end_and_returns_to_the_anchor_day():
    anchor = date(2023, 1, 31)
    assert services.months_after(anchor, 1) == date(2023, 2, 28)
    assert services.months_after(anchor, 2) == date(2023, 3, 31)
    assert services.months_after(anchor, 3) == date(2023, 4, 30)
    assert services.months_after(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert services.months_after(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert services.months_after(date(2023, 12, 15), 1) == date(2024, 1, 15)


def test_a_leap_day_anchor_falls_on_28_february_in_other_years():
    dates = services.schedule_dates(date(2024, 2, 29), interval_months=12, duration_months=48)
    assert dates == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_default_schedule_is_eight_visits_every_three_months_from_31_january():
    dates = services.schedule_dates(date(2024, 1, 31), interval_months=3, duration_months=24)
    assert dates == [
        date(2024, 4, 30),
        date(2024, 7, 31),
        date(2024, 10, 31),
        date(2025, 1, 31),
        date(2025, 4, 30),
        date(2025, 7, 31),
        date(2025, 10, 31),
        date(2026, 1, 31),
    ]


def test_schedule_refuses_a_zero_interval():
    with pytest.raises(ValidationError):
        services.schedule_dates(date(2024, 1, 1), interval_months=0, duration_months=24)


def test_reintegration_ends_the_stay_and_schedules_eight_visits(reintegrated, officer):
    stay = Stay.objects.get(case=reintegrated)
    assert (stay.left_on, stay.exit_reason) == (date(2024, 1, 31), "reintegrated")
    visits = list(FollowUpVisit.objects.filter(case=reintegrated))
    assert len(visits) == 8
    assert [v.sequence for v in visits] == list(range(1, 9))
    assert {v.assigned_to_id for v in visits} == {officer.pk}
    assert visits[0].due_on == date(2024, 4, 30)
    assert all(v.status == FollowUpVisit.Status.SCHEDULED for v in visits)


def test_the_settings_an_administrator_saves_apply_to_new_reintegrations(
    resident, officer, administrator
):
    services.followup_settings_update(interval_months=6, duration_months=12, user=administrator)
    assert FollowUpSettings.objects.get().interval_months == 6
    services.plan_save(
        case=resident,
        pathway="employment",
        officer=officer,
        interval_months=None,
        duration_months=None,
        user=officer,
    )
    services.reintegration_record(case=resident, left_on=date(2024, 3, 10), user=officer)
    assert list(FollowUpVisit.objects.filter(case=resident).values_list("due_on", flat=True)) == [
        date(2024, 9, 10),
        date(2025, 3, 10),
    ]


def test_a_case_can_have_its_own_plan(resident, officer):
    services.plan_save(
        case=resident,
        pathway="education",
        officer=officer,
        interval_months=2,
        duration_months=6,
        user=officer,
    )
    services.reintegration_record(case=resident, left_on=date(2024, 3, 10), user=officer)
    assert FollowUpVisit.objects.filter(case=resident).count() == 3


def test_reintegration_twice_is_refused_and_changes_nothing(reintegrated, officer):
    with pytest.raises(ValidationError):
        services.reintegration_record(case=reintegrated, left_on=date(2024, 2, 1), user=officer)
    assert FollowUpVisit.objects.filter(case=reintegrated).count() == 8


def test_reintegration_needs_a_plan(resident, officer):
    with pytest.raises(ValidationError):
        services.reintegration_record(case=resident, left_on=date(2024, 2, 1), user=officer)
    assert Stay.objects.get(case=resident).left_on is None


def test_a_plan_changed_midway_moves_only_future_unmade_visits(reintegrated, officer, team_lead):
    visits = list(FollowUpVisit.objects.filter(case=reintegrated))
    record(visits[0], date(2024, 5, 2), officer)  # made 2 days late
    record(visits[1], date(2024, 7, 20), officer)  # made 11 days early
    services.followup_reschedule(
        visit=visits[2],
        due_on=date(2024, 11, 5),
        assigned_to=team_lead,
        user=officer,
        version=None,
    )
    plan = ReintegrationPlan.objects.get(case=reintegrated)
    # On 1 August 2024 the plan becomes every 6 months for 24 months.
    services.plan_save(
        case=reintegrated,
        pathway=plan.pathway,
        officer=officer,
        interval_months=6,
        duration_months=24,
        user=officer,
        version=plan.version,
        today=date(2024, 8, 1),
    )
    rows = list(FollowUpVisit.objects.filter(case=reintegrated).values_list("due_on", "visited_on"))
    assert rows == [
        (date(2024, 4, 30), date(2024, 5, 2)),
        (date(2024, 7, 31), date(2024, 7, 20)),
        # the plan's remaining dates after the last kept visit
        (date(2025, 1, 31), None),
        (date(2025, 7, 31), None),
        (date(2026, 1, 31), None),
    ]
    # The visit reassigned by hand kept its officer when it moved.
    moved = FollowUpVisit.objects.get(case=reintegrated, due_on=date(2025, 1, 31))
    assert moved.assigned_to == team_lead


def test_a_visit_made_early_is_not_scheduled_again_when_the_plan_changes(reintegrated, officer):
    first = FollowUpVisit.objects.filter(case=reintegrated).first()
    record(first, date(2024, 4, 20), officer)  # due 30 April, made early
    plan = ReintegrationPlan.objects.get(case=reintegrated)
    services.plan_save(
        case=reintegrated,
        pathway=plan.pathway,
        officer=officer,
        interval_months=3,
        duration_months=12,
        user=officer,
        today=date(2024, 4, 25),
    )
    dues = list(FollowUpVisit.objects.filter(case=reintegrated).values_list("due_on", flat=True))
    assert dues == [date(2024, 4, 30), date(2024, 7, 31), date(2024, 10, 31), date(2025, 1, 31)]


def test_past_due_unmade_visits_stay_when_the_plan_changes(reintegrated, officer):
    plan = ReintegrationPlan.objects.get(case=reintegrated)
    services.plan_save(
        case=reintegrated,
        pathway=plan.pathway,
        officer=officer,
        interval_months=3,
        duration_months=6,
        user=officer,
        today=date(2024, 8, 15),
    )
    dues = list(FollowUpVisit.objects.filter(case=reintegrated).values_list("due_on", flat=True))
    # Both plan dates are past: the overdue ones stay, nothing new is scheduled.
    assert dues == [date(2024, 4, 30), date(2024, 7, 31)]


def test_added_and_cancelled_visits_survive_a_plan_change(reintegrated, officer):
    visits = list(FollowUpVisit.objects.filter(case=reintegrated))
    services.followup_cancel(visit=visits[3], reason="moved away", user=officer, version=None)
    extra = services.followup_add(
        case=reintegrated, due_on=date(2024, 6, 1), assigned_to=officer, user=officer
    )
    plan = ReintegrationPlan.objects.get(case=reintegrated)
    services.plan_save(
        case=reintegrated,
        pathway=plan.pathway,
        officer=officer,
        interval_months=3,
        duration_months=24,
        user=officer,
        today=date(2024, 2, 1),
        version=plan.version,
    )
    assert FollowUpVisit.objects.filter(pk=extra.pk).exists()
    cancelled = FollowUpVisit.objects.get(pk=visits[3].pk)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "moved away"
    # Only the visits after the cancelled (kept) one are scheduled again.
    assert FollowUpVisit.objects.filter(case=reintegrated).pending().count() == 4 + 1


def test_a_stale_version_is_refused_and_changes_nothing(reintegrated, officer):
    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    with pytest.raises(services.StaleVersion):
        services.followup_reschedule(
            visit=visit,
            due_on=date(2024, 5, 5),
            assigned_to=officer,
            user=officer,
            version=visit.version + 1,
        )
    visit.refresh_from_db()
    assert visit.due_on == date(2024, 4, 30)
