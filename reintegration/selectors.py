"""Reads of the reintegration team: agenda, calendar, feed, digest and on-time share.

Every read that a user asks for goes through `visible_to(user)` (reintegration.access).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.utils import timezone

from shelters.models import Shelter, Stay
from smf.core.numbers import percentage
from smf.staff.models import StaffProfile
from smf.staff.roles import Role

from .models import FollowUpSettings, FollowUpVisit, ReintegrationPlan, on_time_q


def followup_settings_current() -> FollowUpSettings:
    """The saved settings, or the defaults (unsaved) before anyone changed them."""
    return FollowUpSettings.objects.filter(pk=1).first() or FollowUpSettings(pk=1)


def officers() -> QuerySet[User]:
    """Active reintegration officers: who visits can be assigned to."""
    return User.objects.filter(groups__name=Role.REINTEGRATION_OFFICER, is_active=True).order_by(
        "username"
    )


def provinces() -> list[str]:
    return list(
        Shelter.objects.exclude(province="")
        .order_by("province")
        .values_list("province", flat=True)
        .distinct()
    )


def last_center_province() -> Subquery:
    """The province of the case's last center (its latest stay)."""
    return Subquery(
        Stay.objects.filter(case=OuterRef("case"))
        .order_by("-admitted_on", "-id")
        .values("shelter__province")[:1]
    )


@dataclass(frozen=True)
class AgendaWindow:
    today: date
    week_end: date
    month_end: date

    @classmethod
    def of(cls, today: date) -> AgendaWindow:
        return cls(
            today=today,
            week_end=today + timedelta(days=6 - today.weekday()),
            month_end=today.replace(day=calendar.monthrange(today.year, today.month)[1]),
        )


AGENDA_SHOWS = ("week", "month", "overdue")


def agenda_visits(
    *,
    user,
    today: date,
    show: str = "week",
    officer_id: int | None = None,
    province: str = "",
) -> QuerySet[FollowUpVisit]:
    """Visits still to be made for one agenda list: due this week, this month, or overdue.

    One query (plus one for a paginator's count): case, officer and the
    province of her last center come in the same row.
    """
    window = AgendaWindow.of(today)
    visits = (
        FollowUpVisit.objects.visible_to(user)
        .pending()
        .annotate(province=last_center_province())
        .select_related("case", "assigned_to")
    )
    if show == "overdue":
        visits = visits.filter(due_on__lt=today).order_by("due_on", "id")
    else:
        end = window.week_end if show == "week" else window.month_end
        visits = visits.filter(due_on__gte=today, due_on__lte=end).order_by("due_on", "id")
    if officer_id:
        visits = visits.filter(assigned_to_id=officer_id)
    if province:
        visits = visits.filter(province=province)
    return visits


def agenda_counts(*, user, today: date, officer_id: int | None = None, province: str = ""):
    """How many visits are due this week, this month and overdue (one query)."""
    window = AgendaWindow.of(today)
    visits = FollowUpVisit.objects.visible_to(user).pending()
    if officer_id:
        visits = visits.filter(assigned_to_id=officer_id)
    if province:
        visits = visits.annotate(province=last_center_province()).filter(province=province)
    return visits.aggregate(
        week=Count("id", filter=Q(due_on__gte=today, due_on__lte=window.week_end)),
        month=Count("id", filter=Q(due_on__gte=today, due_on__lte=window.month_end)),
        overdue=Count("id", filter=Q(due_on__lt=today)),
    )


def calendar_month(
    *, user, year: int, month: int, officer_id: int | None = None, province: str = ""
) -> list[list[tuple[date, list[FollowUpVisit]]]]:
    """The month as weeks (Monday first) of (day, visits due or made that day). One query."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start, end = weeks[0][0], weeks[-1][-1]
    visits = (
        FollowUpVisit.objects.visible_to(user)
        .filter(cancelled_on__isnull=True)
        .filter(
            Q(visited_on__isnull=True, due_on__gte=start, due_on__lte=end)
            | Q(visited_on__gte=start, visited_on__lte=end)
        )
        .annotate(province=last_center_province())
        .select_related("case", "assigned_to")
        .order_by("due_on", "id")
    )
    if officer_id:
        visits = visits.filter(assigned_to_id=officer_id)
    if province:
        visits = visits.filter(province=province)
    by_day: dict[date, list[FollowUpVisit]] = {}
    for visit in visits:
        by_day.setdefault(visit.visited_on or visit.due_on, []).append(visit)
    return [[(day, by_day.get(day, [])) for day in week] for week in weeks]


def case_reintegration(case) -> dict:
    """The plan, support and visits of one case (three queries)."""
    plan = ReintegrationPlan.objects.select_related("officer").filter(case=case).first()
    return {
        "plan": plan,
        "support": list(case.reintegration_support.order_by("given_on", "id")),
        "visits": list(
            case.followups.select_related("assigned_to").order_by("due_on", "visited_on", "id")
        ),
        "open_stay": Stay.objects.filter(case=case, left_on__isnull=True)
        .select_related("shelter")
        .first(),
    }


def visits_for_digest(*, user, today: date, days: int) -> list[FollowUpVisit]:
    """Her visits still to be made, due within `days` days or overdue."""
    return list(
        FollowUpVisit.objects.pending()
        .filter(assigned_to=user, due_on__lte=today + timedelta(days=days))
        .select_related("case")
        .order_by("due_on", "id")
    )


def feed_token_expires(made: datetime) -> datetime:
    """When a calendar token made at `made` stops working."""
    return made + timedelta(days=settings.CALENDAR_FEED_DAYS)


@dataclass(frozen=True)
class FeedAddress:
    """Her calendar feed token, and when it stops working."""

    token: uuid.UUID
    expires_at: datetime

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


def feed_address(*, user) -> FeedAddress | None:
    """Her feed's token and expiry, or None if she has none (or it was revoked)."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.calendar_token is None:
        return None
    return FeedAddress(
        token=profile.calendar_token,
        expires_at=feed_token_expires(profile.calendar_token_created),
    )


def feed_owner(token) -> tuple[User | None, str]:
    """Whose secret calendar token this is, and why her feed is refused.

    (user, "") when the token is live and she is active; otherwise the reason,
    with the user when the token is hers: "unknown" (never made, replaced or
    revoked: no user), "inactive" or "expired". Whether she may still read
    the agenda is the view's access rule."""
    profile = StaffProfile.objects.select_related("user").filter(calendar_token=token).first()
    if profile is None:
        return None, "unknown"
    if not profile.user.is_active:
        return profile.user, "inactive"
    if feed_token_expires(profile.calendar_token_created) <= timezone.now():
        return profile.user, "expired"
    return profile.user, ""


def visits_for_feed(*, user) -> list[FollowUpVisit]:
    """Her visits for the calendar feed: not cancelled, still scoped to what she sees."""
    return list(
        FollowUpVisit.objects.visible_to(user)
        .filter(assigned_to=user, cancelled_on__isnull=True)
        .select_related("case")
        .order_by("due_on", "id")
    )


def on_time_share(*, user) -> dict:
    """The share of visits made on time (models.on_time_q), per year and
    per year and officer, over the visits the user sees. Two queries.

    As in the figure `followup.on_time_pct`: visits made in the year that had
    a due date, and of those the ones made within 14 days of it.
    """
    base = (
        FollowUpVisit.objects.visible_to(user)
        .filter(visited_on__isnull=False, due_on__isnull=False)
        .annotate(year=ExtractYear("visited_on"))
    )
    counts = {"scheduled": Count("id"), "on_time": Count("id", filter=on_time_q())}
    years = [
        {**row, "pct": percentage(row["on_time"], row["scheduled"])}
        for row in base.values("year").annotate(**counts).order_by("-year")
    ]
    by_officer = [
        {**row, "pct": percentage(row["on_time"], row["scheduled"])}
        for row in base.values("year", "assigned_to", "assigned_to__username")
        .annotate(**counts)
        .order_by("-year", "assigned_to__username")
    ]
    return {"years": years, "by_officer": by_officer}
