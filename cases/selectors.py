"""Reads of cases that cross relations, each carrying its own preloading."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from smf.core.fields import blind_index
from smf.staff.models import AuditLog

from . import access
from .models import Case, Hearing, LegalCase


def name_q(term: str) -> Q:
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
    """The case of a case file, or 404 (and an audit line) when the user may
    not see it. Each panel loads its own records (see cases.panels)."""
    return access.case_get_for_user(
        user=user, code=code, queryset=Case.objects.select_related("assigned_social_worker")
    )


def case_duplicates(*, user, given_name: str, family_name: str, birth_year: int | None):
    """Visible cases that may be the same person: same name (either order),
    closest birth year first. Cases the user may not see are never returned,
    not even counted."""
    indexes = {blind_index(given_name, family_name), blind_index(family_name, given_name)}
    indexes.discard("")
    if not indexes:
        return []
    matches = list(
        Case.objects.visible_to(user).filter(name_index__in=indexes).order_by("code")[:20]
    )
    if birth_year:
        matches.sort(key=lambda c: abs((c.birth_year or 0) - birth_year))
    return matches


def legal_case_list(*, user) -> QuerySet[LegalCase]:
    """Legal cases of visible cases, with their stage (the latest hearing's)."""
    latest = Hearing.objects.filter(legal_case=OuterRef("pk")).order_by("-held_on", "-id")
    return (
        LegalCase.objects.filter(case__isnull=False)
        .visible_to(user)
        .select_related("case")
        .annotate(
            stage=Subquery(latest.values("stage")[:1]),
            last_hearing_on=Subquery(latest.values("held_on")[:1]),
        )
        .order_by("-opened_on", "id")  # the reference is encrypted: no SQL order
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
