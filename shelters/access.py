"""Who may do what with centers and center life: the section this app owns,
its grants of case visibility, and its action rules.

- Section `center_life` (stays, education, vocational training, internships,
  group activities): center staff write it, the reintegration team, directors
  and administrators read it.
- Center staff see the cases with a stay, now or before, at one of their
  centers (a plain `id IN (stays at my centers)`).
- Admitting to a center, registering a new survivor and recording an activity
  need the center_life write and the center among her own; transferring or
  discharging needs the same of the *sending* center: a transfer opens her
  file to the receiving center's staff, so only the center she is in decides.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases import access as case_access
from cases.models import Case, case_visibility_grant
from smf.staff import sections
from smf.staff.audit import audit_record
from smf.staff.roles import Role
from smf.staff.sections import R, Section, W

from .models import Shelter, Stay, center_ids_of

SW, CM, RO = Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.REINTEGRATION_OFFICER
DIR, ADMIN = Role.DIRECTOR, Role.ADMINISTRATOR
CENTER_STAFF = frozenset({SW, CM})

CENTER_LIFE = sections.declare(
    Section(
        key="center_life",
        label=_("Center life"),
        area=case_access.AREA,
        description=_(
            "Stays (admission, transfer, discharge), education, vocational training, "
            "internships and group activities."
        ),
        levels={SW: W, CM: W, RO: R, DIR: R, ADMIN: R},
        models=(
            "shelters.stay",
            "shelters.educationrecord",
            "shelters.vocationaltraining",
            "shelters.internship",
            "shelters.groupactivity",
        ),
        order=40,
    )
)

CENTERS = sections.declare(
    Section(
        key="centers",
        label=_("Centers and their staff"),
        area=_("Administration"),
        description=_("The centers, their capacity, and which staff work at each."),
        levels={ADMIN: W, DIR: R},
        models=("shelters.shelter",),
        order=205,
    )
)


@case_visibility_grant
def _grant_center_staff(user, roles) -> Q | None:
    """Center staff see every case with a stay, now or before, at their centers."""
    centers = center_ids_of(user)
    if not (roles & CENTER_STAFF) or not centers:
        return None
    return Q(pk__in=Stay.objects.filter(shelter_id__in=centers).values("case_id"))


def works_at(user, shelter_id: int) -> bool:
    return shelter_id in center_ids_of(user)


def can_write_center(user, shelter: Shelter) -> bool:
    """Center life of this center: her own center, and the role writes it."""
    return sections.can_write(user, CENTER_LIFE.key) and works_at(user, shelter.pk)


def intake_centers(user):
    """The centers a user may register and admit a new survivor to: her own,
    if she writes both the identity and the center life of cases."""
    if not (
        sections.can_write(user, case_access.IDENTITY.key)
        and sections.can_write(user, CENTER_LIFE.key)
    ):
        return Shelter.objects.none()
    return Shelter.objects.filter(id__in=center_ids_of(user))


def can_register_case(user) -> bool:
    return bool(center_ids_of(user)) and (
        sections.can_write(user, case_access.IDENTITY.key)
        and sections.can_write(user, CENTER_LIFE.key)
    )


def sees_any_center(user) -> bool:
    """Whether the Centers menu leads anywhere (asked once per request)."""
    cached = getattr(user, "_smf_sees_centers", None)
    if cached is None:
        cached = Shelter.objects.visible_to(user).exists()
        user._smf_sees_centers = cached
    return cached


def shelter_get_for_user(*, user, code: str, for_write: bool = False) -> Shelter:
    """A center the user may open, by its code; 404 (and an audit line) otherwise.
    With `for_write`, PermissionDenied unless she writes this center's life."""
    shelter = Shelter.objects.visible_to(user).filter(code=code).first()
    if shelter is None:
        audit_record(user=user, action="access_denied", details={"center": code})
        raise Http404("No such center.")
    if for_write and not can_write_center(user, shelter):
        audit_record(user=user, action="write_denied", details={"center": code})
        raise PermissionDenied(_("You may read this center's records but not change them."))
    return shelter


def case_get_for_user(*, user, code: str, for_write: bool = False, queryset=None) -> Case:
    """A case for its center-life pages: 404 unless the user sees the case and
    reads center life; PermissionDenied for a write she may not make."""
    return case_access.case_get_for_user(
        user=user, code=code, section=CENTER_LIFE.key, for_write=for_write, queryset=queryset
    )


def require_sending_center(user, *, case: Case, stay: Stay | None) -> None:
    """Transfer and discharge: only the staff of the center she is in now."""
    if stay is not None and not works_at(user, stay.shelter_id):
        audit_record(
            user=user,
            action="write_denied",
            case_code=case.code,
            details={"section": CENTER_LIFE.key, "center": stay.shelter_id},
        )
        raise PermissionDenied(
            _("Only the staff of the center she is in may transfer or discharge her.")
        )


def require_own_center(user, *, case: Case, shelter: Shelter) -> None:
    """Admission: only to one of the user's own centers."""
    if not works_at(user, shelter.pk):
        audit_record(
            user=user,
            action="write_denied",
            case_code=case.code,
            details={"section": CENTER_LIFE.key, "center": shelter.pk},
        )
        raise PermissionDenied(_("You may admit only to a center you work at."))


sections.register_nav("cases", case_access.sees_case_work)
sections.register_nav("centers", sees_any_center)
