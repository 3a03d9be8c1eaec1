"""Reads of cases that cross relations, each carrying its own preloading."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from . import access
from .fields import blind_index
from .models import AuditLog, Case, CaseNote, Consent, Hearing, LegalCase

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


@dataclass(frozen=True)
class CaseListFilters:
    """The case list's search and filters, as read (and validated) from the query string."""

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
    from shelters.models import Stay

    return Stay.objects.filter(case=OuterRef("pk"), left_on__isnull=True)


def _case_list_ordered(*, user, filters: CaseListFilters) -> QuerySet[Case]:
    """Visible cases, filtered and sorted, with nothing selected but what the
    filters need: the status flags are EXISTS conditions, not columns."""
    from shelters.models import Stay, VocationalTraining

    qs = Case.objects.visible_to(user)
    if filters.q:
        term = filters.q.strip()
        # Case codes are upper case: a plain prefix match can use the code's
        # index (LIKE 'TD-2015%'), where istartswith would scan every case.
        qs = qs.filter(Q(code__startswith=term.upper()) | _name_q(term))
    stays = Stay.objects.filter(case=OuterRef("pk"))
    in_center = Exists(_open_stay())
    reintegrated = Exists(stays.filter(exit_reason=Stay.ExitReason.REINTEGRATED))
    if filters.status == Case.Status.IN_CENTER:
        qs = qs.filter(in_center)
    elif filters.status == Case.Status.REINTEGRATED:
        qs = qs.filter(~in_center, reintegrated)
    elif filters.status == Case.Status.CLOSED:
        qs = qs.filter(~in_center, ~reintegrated, Exists(stays))
    elif filters.status == Case.Status.INTAKE:
        qs = qs.filter(~Exists(stays))
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
        qs.with_status()
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
    rows = {c.pk: c for c in _with_list_columns(Case.objects.filter(pk__in=wanted))}
    page.object_list = [rows[pk] for pk in wanted if pk in rows]
    return page


def _name_q(term: str) -> Q:
    """Exact name match through the blind index, in either name order."""
    parts = term.split()
    indexes = {blind_index(term)}
    if len(parts) >= 2:
        # Khmer names are often written family name first.
        indexes.add(blind_index(" ".join(parts[1:]), parts[0]))
        indexes.add(blind_index(parts[-1], " ".join(parts[:-1])))
    indexes.discard("")
    return Q(name_index__in=indexes)


def case_file_get(*, user, code: str) -> Case:
    """The case file: the case and every section, preloaded in a fixed number of
    queries, or 404 (and an audit line) when the user may not see it.

    Case notes are only those the user may read (restricted notes).
    """
    from reintegration.models import FollowUpVisit
    from shelters.models import Stay

    queryset = Case.objects.select_related("assigned_social_worker").prefetch_related(
        Prefetch("stays", queryset=Stay.objects.select_related("shelter")),
        "education",
        "trainings",
        "internships",
        "reintegration_support",
        Prefetch("followups", queryset=FollowUpVisit.objects.select_related("assigned_to")),
        Prefetch(
            "legal_cases",
            queryset=LegalCase.objects.prefetch_related(
                Prefetch("hearings", queryset=Hearing.objects.order_by("held_on", "id"))
            ),
        ),
        Prefetch(
            "consents",
            queryset=Consent.objects.select_related("recorded_by", "withdrawn_recorded_by"),
        ),
        Prefetch(
            "notes",
            queryset=access.readable_case_notes(CaseNote.objects.select_related("author"), user),
        ),
    )
    return access.case_get_for_user(user=user, code=code, queryset=queryset)


def case_duplicates(*, user, given_name: str, family_name: str, birth_year: int | None):
    """Visible cases that may be the same person: same name (either order),
    closest birth year first. Cases the user may not see are never returned,
    not even counted."""
    indexes = {blind_index(given_name, family_name), blind_index(family_name, given_name)}
    indexes.discard("")
    if not indexes:
        return []
    matches = list(
        Case.objects.visible_to(user)
        .filter(name_index__in=indexes)
        .with_status()
        .order_by("code")[:20]
    )
    if birth_year:
        matches.sort(key=lambda c: abs((c.birth_year or 0) - birth_year))
    return matches


def legal_case_list(*, user) -> QuerySet[LegalCase]:
    """Legal cases of visible cases, with their stage (the latest hearing's)."""
    latest = Hearing.objects.filter(legal_case=OuterRef("pk")).order_by("-held_on", "-id")
    return (
        access.visible_case_records(LegalCase.objects.filter(case__isnull=False), user)
        .select_related("case")
        .annotate(
            stage=Subquery(latest.values("stage")[:1]),
            last_hearing_on=Subquery(latest.values("held_on")[:1]),
        )
        .order_by("-opened_on", "reference")
    )


def audit_entries(*, case_code: str = "", username: str = "") -> QuerySet[AuditLog]:
    qs = AuditLog.objects.select_related("user")
    if case_code:
        qs = qs.filter(case_code=case_code)
    if username:
        qs = qs.filter(user__username=username)
    return qs.order_by("-at", "-id")


def recent_cases_viewed(*, user, limit: int = 8) -> list[Case]:
    """The cases this user opened last (from the audit log), still visible to her."""
    codes: list[str] = []
    for code in (
        AuditLog.objects.filter(user=user, action="case_view")
        .order_by("-at", "-id")
        .values_list("case_code", flat=True)[:50]
    ):
        if code not in codes:
            codes.append(code)
        if len(codes) == limit:
            break
    cases = {c.code: c for c in Case.objects.visible_to(user).filter(code__in=codes)}
    return [cases[c] for c in codes if c in cases]
