"""Reads of centers, stays, center life and the caseload, each with its joins
already made. Every read is scoped: `visible_to(user)` for rows, shelters.access
for the helpers that fetch one record (404 for what the user may not see).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Case as When_
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from cases.models import Case
from cases.selectors import case_duplicates as case_duplicates_of
from cases.selectors import name_q

from . import access
from .models import GroupActivity, Residence, Shelter, Stay, VocationalTraining


def month_start(today: date) -> date:
    return today.replace(day=1)


def occupancy_board(*, user, today: date | None = None) -> list[Shelter]:
    """The user's centers with capacity, residents now, and this month's
    admissions and discharges (transfers count on both sides), in one query."""
    today = today or timezone.localdate()
    start = month_start(today)
    board = list(
        Shelter.objects.visible_to(user).annotate(
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
    return access.case_get_for_user(user=user, code=code, for_write=for_write, queryset=queryset)


def open_stay_of(case: Case) -> Stay | None:
    """The open stay of a case (from its prefetched stays when they are there)."""
    return next((stay for stay in case.stays.all() if stay.left_on is None), None)


def case_record_get(*, case: Case, relation: str, uuid) -> object:
    """An education, training or internship record of this case, by uuid; 404 otherwise."""
    record = getattr(case, relation).filter(uuid=uuid).first()
    if record is None:
        raise Http404("No such record.")
    return record


# The caseload -----------------------------------------------------------------

# Sort keys offered by the case list; names cannot be sorted (encrypted).
CASE_LIST_SORTS = {
    "code": "code",
    "-code": "-code",
    "intake": "intake_date",
    "-intake": "-intake_date",
    "birth_year": "birth_year",
    "-birth_year": "-birth_year",
    "center": "current_center_name",
    "-center": "-current_center_name",
}


# What a case code or the start of one looks like (TD-2026-0042, TD-2026):
# Latin letters, digits and hyphens, with a digit or a hyphen. No name in
# Khmer script, and no name of two words, has this shape.
CASE_CODE_SHAPE = re.compile(r"(?=.*[0-9-])[A-Za-z0-9-]+")


@dataclass(frozen=True)
class CaseListFilters:
    """The case list's search and filters, as validated from the query string
    (the search text itself from the session: see shelters.case_search)."""

    q: str = ""
    status: str = ""
    center: int | None = None
    intake_year: int | None = None
    exploitation_type: str = ""
    in_training: bool = False
    reintegrated: bool = False
    sort: str = "-intake"

    def as_dict(self) -> dict:
        """For the audit log of an export: filters, never a searched name."""
        data = {k: v for k, v in self.__dict__.items() if v not in ("", None, False)}
        if self.q:
            # The search box takes names too: keep only that a search was made.
            data["q"] = "(search)"
        return data


def _open_stay():
    return Stay.objects.filter(case=OuterRef("pk"), left_on__isnull=True)


def residence_q() -> dict:
    """The three stay flags a case's residence is read from, as EXISTS terms."""
    stays = Stay.objects.filter(case=OuterRef("pk"))
    return {
        "in_center": Exists(_open_stay()),
        "reintegrated": Exists(stays.filter(exit_reason=Stay.ExitReason.REINTEGRATED)),
        "any_stay": Exists(stays),
    }


def with_residence(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate `status` (a Residence value), in the same query."""
    flags = residence_q()
    return qs.annotate(
        status=When_(
            When(flags["in_center"], then=Value(Residence.IN_CENTER)),
            When(flags["reintegrated"], then=Value(Residence.REINTEGRATED)),
            When(flags["any_stay"], then=Value(Residence.CLOSED)),
            default=Value(Residence.INTAKE),
        )
    )


def label_residence(cases) -> list[Case]:
    """Give each annotated case its status label (for the page's language)."""
    cases = list(cases)
    for case in cases:
        case.status_label = Residence(case.status).label
    return cases


def _case_list_ordered(*, user, filters: CaseListFilters) -> QuerySet[Case]:
    """Visible cases, filtered and sorted, with nothing selected but what the
    filters need: the status flags are EXISTS conditions, not columns."""
    qs = Case.objects.visible_to(user)
    if filters.q:
        term = filters.q.strip()
        if CASE_CODE_SHAPE.fullmatch(term):
            # Case codes are upper case: a plain prefix match can use the code's
            # index (LIKE 'TD-2015%'), where istartswith would scan every case.
            qs = qs.filter(Q(code__startswith=term.upper()) | name_q(term))
        else:
            # A name: through its blind index alone, so that the text is not in
            # the SQL either (where a database's statement log would keep it).
            qs = qs.filter(name_q(term))
    stays = Stay.objects.filter(case=OuterRef("pk"))
    flags = residence_q()
    in_center, reintegrated = flags["in_center"], flags["reintegrated"]
    if filters.status == Residence.IN_CENTER:
        qs = qs.filter(in_center)
    elif filters.status == Residence.REINTEGRATED:
        qs = qs.filter(~in_center, reintegrated)
    elif filters.status == Residence.CLOSED:
        qs = qs.filter(~in_center, ~reintegrated, flags["any_stay"])
    elif filters.status == Residence.INTAKE:
        qs = qs.filter(~flags["any_stay"])
    if filters.center:
        qs = qs.filter(Exists(stays.filter(shelter_id=filters.center)))
    if filters.intake_year:
        qs = qs.filter(intake_date__year=filters.intake_year)
    if filters.exploitation_type:
        qs = qs.filter(exploitation_type=filters.exploitation_type)
    if filters.in_training:
        qs = qs.filter(
            Exists(
                VocationalTraining.objects.filter(case=OuterRef("pk"), completed_on__isnull=True)
            )
        )
    if filters.reintegrated:
        qs = qs.filter(reintegrated)
    order = CASE_LIST_SORTS.get(filters.sort, "-intake_date")
    if "current_center_name" in order:
        qs = qs.alias(current_center_name=Subquery(_open_stay().values("shelter__name")[:1]))
    return qs.order_by(order, "code" if not order.endswith("code") else "id")


def _with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The columns of a case list row: status flags and current center, no N+1."""
    return (
        with_residence(qs)
        .annotate(
            current_center_name=Subquery(_open_stay().values("shelter__name")[:1]),
            current_center_code=Subquery(_open_stay().values("shelter__code")[:1]),
        )
        .only(
            "id",
            "code",
            "given_name",
            "family_name",
            "sex",
            "birth_year",
            "nationality",
            "intake_date",
            "referral_source",
            "exploitation_type",
        )
    )


def case_list(*, user, filters: CaseListFilters) -> QuerySet[Case]:
    """Visible cases with status flags and current center, filtered and sorted
    (the whole list, for the CSV export)."""
    return _with_list_columns(_case_list_ordered(user=user, filters=filters))


def case_list_page(*, user, filters: CaseListFilters, page_number, per_page: int = 25) -> Page:
    """One page of the case list in three queries, whatever the page size.

    COUNT for the paginator, then the page's ids (a narrow sort over the
    filtered cases), then the 25 rows with their status flags and current center
    (subqueries evaluated for those rows only, not for all 10,000).
    """
    ids = _case_list_ordered(user=user, filters=filters).values_list("pk", flat=True)
    page = Paginator(ids, per_page).get_page(page_number)
    wanted = list(page.object_list)
    rows = {
        c.pk: c for c in label_residence(_with_list_columns(Case.objects.filter(pk__in=wanted)))
    }
    page.object_list = [rows[pk] for pk in wanted if pk in rows]
    return page


def case_duplicates(*, user, given_name: str, family_name: str, birth_year: int | None):
    """Visible cases that may be the same person (see cases.selectors), with
    their residence, closest birth year first."""
    from_cases = case_duplicates_of(
        user=user, given_name=given_name, family_name=family_name, birth_year=birth_year
    )
    if not from_cases:
        return []
    by_pk = {
        c.pk: c
        for c in label_residence(
            with_residence(Case.objects.filter(pk__in=[c.pk for c in from_cases]))
        )
    }
    return [by_pk[c.pk] for c in from_cases if c.pk in by_pk]
