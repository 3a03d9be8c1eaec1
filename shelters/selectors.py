"""Reads of centers, stays and center life, each with its joins already made.

Every read is scoped through cases.access: a center the user may not open, or
a record of a case she may not see, is a 404.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cases.access import case_get_for_user, centers_visible_to
from cases.models import Case
from cases.services import audit_record

from .models import GroupActivity, Shelter, Stay


def shelter_get_for_user(*, user, code: str) -> Shelter:
    """A center the user may open, by its code; 404 (and an audit line) otherwise."""
    shelter = centers_visible_to(user).filter(code=code).first()
    if shelter is None:
        audit_record(user=user, action="access_denied", details={"center": code})
        raise Http404("No such center.")
    return shelter


def month_start(today: date) -> date:
    return today.replace(day=1)


def occupancy_board(*, user, today: date | None = None) -> list[Shelter]:
    """The user's centers with capacity, residents now, and this month's
    admissions and discharges (transfers count on both sides), in one query."""
    today = today or timezone.localdate()
    start = month_start(today)
    board = list(
        centers_visible_to(user).annotate(
            residents=Count("stays", filter=Q(stays__left_on__isnull=True)),
            admissions_this_month=Count(
                "stays", filter=Q(stays__admitted_on__gte=start, stays__admitted_on__lte=today)
            ),
            discharges_this_month=Count(
                "stays", filter=Q(stays__left_on__gte=start, stays__left_on__lte=today)
            ),
        )
    )
    for center in board:
        center.free_places = (
            None if center.capacity is None else max(center.capacity - center.residents, 0)
        )
    return board


def _center_stays(*, shelter: Shelter, user) -> QuerySet[Stay]:
    return Stay.objects.visible_to(user).filter(shelter=shelter).select_related("case")


def residents_now(*, shelter: Shelter, user) -> QuerySet[Stay]:
    """The open stays of a center, longest-staying first, with their cases."""
    return (
        _center_stays(shelter=shelter, user=user)
        .filter(left_on__isnull=True)
        .order_by("admitted_on", "id")
    )


def recent_admissions(*, shelter: Shelter, user, limit: int = 10) -> list[Stay]:
    return list(_center_stays(shelter=shelter, user=user).order_by("-admitted_on", "-id")[:limit])


def recent_discharges(*, shelter: Shelter, user, limit: int = 10) -> list[Stay]:
    return list(
        _center_stays(shelter=shelter, user=user)
        .filter(left_on__isnull=False)
        .order_by("-left_on", "-id")[:limit]
    )


def activities_of_center(*, shelter: Shelter, user, limit: int = 20) -> list[GroupActivity]:
    """Recent activities with the number of participants the user may see."""
    visible = Case.objects.visible_to(user).values("pk")
    return list(
        GroupActivity.objects.filter(center=shelter).annotate(
            participant_count=Count("participants", filter=Q(participants__in=visible))
        )[:limit]
    )


def activity_get_for_user(*, user, shelter: Shelter, uuid) -> GroupActivity:
    """An activity of a center the user may open, with the participants she may see."""
    activity = (
        GroupActivity.objects.visible_to(user)
        .filter(center=shelter, uuid=uuid)
        .select_related("center")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Case.objects.visible_to(user).order_by("code"),
                to_attr="visible_participants",
            )
        )
        .first()
    )
    if activity is None:
        raise Http404("No such activity.")
    return activity


def participant_choices(*, user, shelter: Shelter, activity: GroupActivity | None = None):
    """Cases the user may see that can be picked for an activity of this center:
    its residents now, and whoever already takes part."""
    here_now = Stay.objects.filter(case=OuterRef("pk"), shelter=shelter, left_on__isnull=True)
    q = Exists(here_now)
    if activity is not None:
        q |= Exists(
            GroupActivity.participants.through.objects.filter(
                case=OuterRef("pk"), groupactivity=activity
            )
        )
    return Case.objects.visible_to(user).filter(q).order_by("code")


def case_center_life(*, user, code: str, for_write: bool = False) -> Case:
    """A visible case with the relations the center-life section shows."""
    queryset = Case.objects.prefetch_related(
        Prefetch("stays", queryset=Stay.objects.select_related("shelter")),
        "education",
        "trainings",
        "internships",
    )
    return case_get_for_user(user=user, code=code, for_write=for_write, queryset=queryset)


def open_stay_of(case: Case) -> Stay | None:
    """The open stay of a case (from its prefetched stays when they are there)."""
    return next((stay for stay in case.stays.all() if stay.left_on is None), None)


def case_record_get(*, case: Case, relation: str, uuid) -> object:
    """An education, training or internship record of this case, by uuid; 404 otherwise."""
    record = getattr(case, relation).filter(uuid=uuid).first()
    if record is None:
        raise Http404("No such record.")
    return record
