"""Every access rule of the product, in one place.

Roles are Django groups (names below). Centers and teams come from the staff
member's StaffProfile. QuerySet methods such as `Case.objects.visible_to(user)`
and the `*_get_for_user` helpers all call into this module, so a reader who
wants to know who sees what reads only this file.

The rules:
- directors and administrators (and superusers) see every case;
- social workers and center managers see the cases with a stay, now or before,
  at one of their centers, and the cases they registered or are assigned to
  (a case between intake and admission has no stay yet);
- reintegration officers see reintegrated cases, cases with reintegration
  support or follow-up visits, and the residents of their own centers;
- legal officers see cases that have a legal case;
- outreach and clinic records are for outreach workers and directors only.

A record a user may not see is a 404, never a tell-tale 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404


class Role:
    SOCIAL_WORKER = "social_worker"
    CENTER_MANAGER = "center_manager"
    REINTEGRATION_OFFICER = "reintegration_officer"
    OUTREACH_WORKER = "outreach_worker"
    LEGAL_OFFICER = "legal_officer"
    DIRECTOR = "director"
    ADMINISTRATOR = "administrator"

    ALL = (
        SOCIAL_WORKER,
        CENTER_MANAGER,
        REINTEGRATION_OFFICER,
        OUTREACH_WORKER,
        LEGAL_OFFICER,
        DIRECTOR,
        ADMINISTRATOR,
    )
    LABELS = {
        SOCIAL_WORKER: "Social worker",
        CENTER_MANAGER: "Center manager",
        REINTEGRATION_OFFICER: "Reintegration officer",
        OUTREACH_WORKER: "Outreach worker",
        LEGAL_OFFICER: "Legal officer",
        DIRECTOR: "Director",
        ADMINISTRATOR: "Administrator",
    }


def roles_of(user) -> frozenset[str]:
    """The role names of a user, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_smf_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {Role.ADMINISTRATOR}
        user._smf_roles = cached
    return cached


def center_ids_of(user) -> frozenset[int]:
    cached = getattr(user, "_smf_center_ids", None)
    if cached is None:
        from shelters.models import Shelter

        cached = frozenset(
            Shelter.objects.filter(staff_profiles__user=user).values_list("id", flat=True)
        )
        user._smf_center_ids = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def sees_everything(user) -> bool:
    return has_role(user, Role.DIRECTOR, Role.ADMINISTRATOR)


def can_see_outreach(user) -> bool:
    return has_role(user, Role.OUTREACH_WORKER, Role.DIRECTOR, Role.ADMINISTRATOR)


def can_import_records(user) -> bool:
    return has_role(user, Role.ADMINISTRATOR)


def can_read_reports(user) -> bool:
    return has_role(user, Role.DIRECTOR, Role.ADMINISTRATOR)


def can_read_audit_log(user) -> bool:
    return has_role(user, Role.DIRECTOR, Role.ADMINISTRATOR)


def can_see_names(user) -> bool:
    """Names are for the staff who work with the person, not for the legal or
    reintegration view of a case they only follow."""
    return has_role(
        user,
        Role.SOCIAL_WORKER,
        Role.CENTER_MANAGER,
        Role.REINTEGRATION_OFFICER,
        Role.LEGAL_OFFICER,
        Role.DIRECTOR,
        Role.ADMINISTRATOR,
    )


def case_visibility_q(user) -> Q | None:
    """A filter for the Case table, or None when the user sees every case.

    Returns Q(pk__in=[]) for a user who sees nothing.
    """
    from cases.models import LegalCase
    from reintegration.models import FollowUpVisit, ReintegrationSupport
    from shelters.models import Stay

    roles = roles_of(user)
    if not roles:
        return Q(pk__in=[])
    if roles & {Role.DIRECTOR, Role.ADMINISTRATOR}:
        return None
    q = Q(pk__in=[])
    centers = center_ids_of(user)
    if roles & {Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.REINTEGRATION_OFFICER}:
        if centers:
            q |= Exists(Stay.objects.filter(case=OuterRef("pk"), shelter_id__in=centers))
    if roles & {Role.SOCIAL_WORKER, Role.CENTER_MANAGER}:
        q |= Q(assigned_social_worker=user) | Q(created_by=user)
    if Role.REINTEGRATION_OFFICER in roles:
        q |= Exists(
            Stay.objects.filter(case=OuterRef("pk"), exit_reason=Stay.ExitReason.REINTEGRATED)
        )
        q |= Exists(ReintegrationSupport.objects.filter(case=OuterRef("pk")))
        q |= Exists(FollowUpVisit.objects.filter(case=OuterRef("pk")))
    if Role.LEGAL_OFFICER in roles:
        q |= Exists(LegalCase.objects.filter(case=OuterRef("pk")))
    return q


def visible_cases(queryset, user):
    q = case_visibility_q(user)
    return queryset if q is None else queryset.filter(q)


def visible_case_records(queryset, user, case_field: str = "case"):
    """Scope any table that hangs off a case (stays, follow-ups, legal cases...)."""
    from cases.models import Case

    q = case_visibility_q(user)
    if q is None:
        return queryset
    return queryset.filter(**{f"{case_field}__in": Case.objects.filter(q).values("pk")})


def visible_outreach_records(queryset, user):
    return queryset if can_see_outreach(user) else queryset.none()


def can_edit_case(user, case) -> bool:
    """Whoever may see a case may add to it, except directors, who read."""
    return has_role(
        user,
        Role.SOCIAL_WORKER,
        Role.CENTER_MANAGER,
        Role.REINTEGRATION_OFFICER,
        Role.LEGAL_OFFICER,
        Role.ADMINISTRATOR,
    )


def centers_visible_to(user):
    """The centers whose pages a user may open: all for directors and
    administrators; their own for social workers, center managers and
    reintegration officers; none for anyone else."""
    from shelters.models import Shelter

    if sees_everything(user):
        return Shelter.objects.all()
    if has_role(user, Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.REINTEGRATION_OFFICER):
        return Shelter.objects.filter(staff_profiles__user=user)
    return Shelter.objects.none()


def can_edit_center_life(user) -> bool:
    """Group activities and study tours are recorded by center staff; directors read."""
    return has_role(user, Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.ADMINISTRATOR)


def case_get_for_user(*, user, code: str, for_write: bool = False, queryset=None):
    """Fetch a case by its code if the user may see it; 404 otherwise.

    Raises PermissionDenied when the user may read but not write. A refused
    attempt is written to the audit log.
    """
    from cases.models import Case
    from cases.services import audit_record

    base = queryset if queryset is not None else Case.objects.all()
    case = visible_cases(base, user).filter(code=code).first()
    if case is None:
        audit_record(user=user, action="access_denied", case_code=code)
        raise Http404("No such case.")
    if for_write and not can_edit_case(user, case):
        audit_record(user=user, action="write_denied", case_code=code)
        raise PermissionDenied("You may read this case but not change it.")
    return case


def can_read_reintegration(user) -> bool:
    """Who may read reintegration plans and follow-up visits of a case they see:
    the reintegration team, the center staff of her former centers, directors."""
    return has_role(
        user,
        Role.SOCIAL_WORKER,
        Role.CENTER_MANAGER,
        Role.REINTEGRATION_OFFICER,
        Role.DIRECTOR,
        Role.ADMINISTRATOR,
    )


def can_edit_reintegration(user) -> bool:
    """Plans, support and follow-up visits are written by the reintegration team
    (and administrators); center staff and directors only read them."""
    return has_role(user, Role.REINTEGRATION_OFFICER, Role.ADMINISTRATOR)


def can_see_reintegration_agenda(user) -> bool:
    """The team's agenda, calendar and on-time figures."""
    return has_role(user, Role.REINTEGRATION_OFFICER, Role.DIRECTOR, Role.ADMINISTRATOR)


def reintegration_case_get_for_user(*, user, code: str, for_write: bool = False, queryset=None):
    """A case for the reintegration pages: 404 unless the user sees the case and
    may read reintegration; PermissionDenied for a write by a reader."""
    from cases.services import audit_record

    if not can_read_reintegration(user):
        audit_record(user=user, action="access_denied", case_code=code)
        raise Http404("No such case.")
    case = case_get_for_user(user=user, code=code, queryset=queryset)
    if for_write and not can_edit_reintegration(user):
        audit_record(user=user, action="write_denied", case_code=code)
        raise PermissionDenied("You may read this follow-up but not change it.")
    return case


def followup_get_for_user(*, user, uuid, for_write: bool = False):
    """A follow-up visit (with its case) by its UUID, scoped like its case."""
    from cases.services import audit_record
    from reintegration.models import FollowUpVisit

    visit = None
    if can_read_reintegration(user):
        visit = (
            FollowUpVisit.objects.visible_to(user)
            .select_related("case", "assigned_to")
            .filter(uuid=uuid)
            .first()
        )
    if visit is None:
        audit_record(user=user, action="access_denied", details={"followup": str(uuid)})
        raise Http404("No such visit.")
    if for_write and not can_edit_reintegration(user):
        audit_record(user=user, action="write_denied", case_code=visit.case.code)
        raise PermissionDenied("You may read this follow-up but not change it.")
    return visit


def require_outreach(user) -> None:
    if not can_see_outreach(user):
        raise Http404


def require_reports(user) -> None:
    if not can_read_reports(user):
        raise Http404


def require_role(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise Http404


def readable_case_notes(queryset, user):
    """A restricted case note is read only by its author and by center managers.

    `queryset` is already scoped to visible cases; this removes the restricted
    notes the user may not read (directors included: the rule protects
    counselling confidences, not management figures).
    """
    if has_role(user, Role.CENTER_MANAGER):
        return queryset
    return queryset.filter(Q(confidentiality="normal") | Q(author=user))


def can_register_case(user) -> bool:
    return has_role(user, Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.ADMINISTRATOR)


def intake_centers(user):
    """The centers a user may admit a new survivor to: her own (all for admins)."""
    from shelters.models import Shelter

    if has_role(user, Role.ADMINISTRATOR):
        return Shelter.objects.all()
    if not can_register_case(user):
        return Shelter.objects.none()
    return Shelter.objects.filter(id__in=center_ids_of(user))


def can_edit_legal(user) -> bool:
    return has_role(
        user, Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.LEGAL_OFFICER, Role.ADMINISTRATOR
    )


def legal_case_get_for_user(*, user, reference: str, for_write: bool = False, queryset=None):
    """A legal case of a visible case, by its court reference; 404 otherwise."""
    from cases.models import LegalCase
    from cases.services import audit_record

    base = queryset if queryset is not None else LegalCase.objects.all()
    legal_case = (
        visible_case_records(base.filter(case__isnull=False), user)
        .filter(reference=reference)
        .first()
    )
    if legal_case is None:
        audit_record(user=user, action="access_denied", details={"legal_case": reference})
        raise Http404("No such legal case.")
    if for_write and not can_edit_legal(user):
        audit_record(user=user, action="write_denied", case_code=legal_case.case.code)
        raise PermissionDenied("You may read this legal case but not change it.")
    return legal_case


def can_edit_outreach(user) -> bool:
    """Outreach workers and administrators record outreach, clinic and advocacy
    work; directors read it."""
    return has_role(user, Role.OUTREACH_WORKER, Role.ADMINISTRATOR)


def require_outreach_write(user) -> None:
    """404 for anyone outside outreach; PermissionDenied for a reader (director)."""
    require_outreach(user)
    if not can_edit_outreach(user):
        raise PermissionDenied("You may read outreach records but not change them.")
