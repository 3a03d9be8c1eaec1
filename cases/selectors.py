"""Reads of cases that cross relations, each carrying its own preloading."""

from __future__ import annotations

from dataclasses import dataclass

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


def case_list(*, user, filters: CaseListFilters) -> QuerySet[Case]:
    """Visible cases with status flags and current center, filtered and sorted.

    One query per page (plus the paginator's COUNT): status flags are EXISTS
    subqueries and the current center is a scalar subquery, so a page of 25
    rows needs no per-row query.
    """
    from shelters.models import Stay, VocationalTraining

    open_stay = Stay.objects.filter(case=OuterRef("pk"), left_on__isnull=True)
    qs = (
        Case.objects.visible_to(user)
        .with_status()
        .annotate(
            current_center_name=Subquery(open_stay.values("shelter__name")[:1]),
            current_center_code=Subquery(open_stay.values("shelter__code")[:1]),
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
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(code__iexact=term) | Q(code__istartswith=term) | _name_q(term))
    if filters.status:
        qs = qs.filter(_status_q(filters.status))
    if filters.center:
        qs = qs.filter(Exists(Stay.objects.filter(case=OuterRef("pk"), shelter_id=filters.center)))
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
        qs = qs.filter(was_reintegrated=True)
    order = CASE_LIST_SORTS.get(filters.sort, "-intake_date")
    return qs.order_by(order, "code" if not order.endswith("code") else "id")


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


def _status_q(status: str) -> Q:
    if status == Case.Status.IN_CENTER:
        return Q(has_open_stay=True)
    if status == Case.Status.REINTEGRATED:
        return Q(has_open_stay=False, was_reintegrated=True)
    if status == Case.Status.CLOSED:
        return Q(has_open_stay=False, was_reintegrated=False, has_any_stay=True)
    if status == Case.Status.INTAKE:
        return Q(has_any_stay=False)
    return Q()


def case_file_get(*, user, code: str) -> Case:
    """The case file: the case and every section, preloaded in a fixed number of
    queries, or 404 (and an audit line) when the user may not see it.

    Case notes are only those the user may read (restricted notes).
    """
    from shelters.models import Stay

    queryset = Case.objects.select_related("assigned_social_worker").prefetch_related(
        Prefetch("stays", queryset=Stay.objects.select_related("shelter")),
        "education",
        "trainings",
        "internships",
        "reintegration_support",
        "followups",
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
