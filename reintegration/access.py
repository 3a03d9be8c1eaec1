"""Who may do what with reintegration: the sections this app owns, its grants
of visibility, and the helpers that fetch a case or a visit for a user.

- Section `reintegration` (plan, support, follow-up visits): the reintegration
  team writes it; center staff, directors and administrators read it.
- Section `followup_agenda` (the team's agenda, calendar and on-time figures):
  the team, directors and administrators.
- Section `followup_settings` (the schedule, team leads, which centers each
  team serves): administrators.
- An officer sees the residents, now or before, of the centers her team serves
  (so she can plan a reintegration before the survivor leaves), and the cases
  she follows: those whose plan names her, or with a visit assigned to her.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases import access as case_access
from cases.models import Case, case_visibility_grant
from shelters.models import Stay, center_ids_of, center_visibility_grant
from smf.staff import sections
from smf.staff.audit import audit_record
from smf.staff.models import Team
from smf.staff.roles import Role
from smf.staff.sections import R, Section, W

from .models import FollowUpVisit, ReintegrationPlan, TeamCenter

SW, CM, RO = Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.REINTEGRATION_OFFICER
DIR, ADMIN = Role.DIRECTOR, Role.ADMINISTRATOR
AREA = _("Reintegration")

REINTEGRATION = sections.declare(
    Section(
        key="reintegration",
        label=_("Reintegration and follow-up"),
        area=case_access.AREA,
        description=_("The reintegration plan, start-up support and three-monthly visits."),
        levels={RO: W, SW: R, CM: R, DIR: R, ADMIN: R},
        models=(
            "reintegration.reintegrationplan",
            "reintegration.reintegrationsupport",
            "reintegration.followupvisit",
        ),
        order=50,
    )
)
AGENDA = sections.declare(
    Section(
        key="followup_agenda",
        label=_("Follow-up agenda"),
        area=AREA,
        description=_("The team's agenda, calendar, calendar feed and on-time figures."),
        levels={RO: W, DIR: R, ADMIN: R},
        order=110,
    )
)
SETTINGS = sections.declare(
    Section(
        key="followup_settings",
        label=_("Follow-up settings"),
        area=AREA,
        description=_("The visit schedule, team leads and the centers each team serves."),
        levels={ADMIN: W},
        models=(
            "reintegration.followupsettings",
            "reintegration.teamlead",
            "reintegration.teamcenter",
        ),
        order=120,
    )
)


def served_center_ids(user) -> frozenset[int]:
    """The centers the user's reintegration teams serve, cached for the request."""
    cached = getattr(user, "_smf_served_center_ids", None)
    if cached is None:
        cached = frozenset(
            TeamCenter.objects.filter(
                team__kind=Team.Kind.REINTEGRATION, team__members__user=user
            ).values_list("center_id", flat=True)
        )
        user._smf_served_center_ids = cached
    return cached


@case_visibility_grant
def _grant_reintegration_team(user, roles) -> Q | None:
    if Role.REINTEGRATION_OFFICER not in roles:
        return None
    q = Q(pk__in=ReintegrationPlan.objects.filter(officer=user).values("case_id")) | Q(
        pk__in=FollowUpVisit.objects.filter(assigned_to=user).values("case_id")
    )
    centers = served_center_ids(user)
    if centers:
        q |= Q(pk__in=Stay.objects.filter(shelter_id__in=centers).values("case_id"))
    return q


@center_visibility_grant
def _grant_served_centers(user, roles) -> Q | None:
    if Role.REINTEGRATION_OFFICER not in roles:
        return None
    centers = served_center_ids(user)
    return Q(pk__in=list(centers)) if centers else None


def serves_center(user, shelter_id: int) -> bool:
    return shelter_id in served_center_ids(user)


def case_get_for_user(*, user, code: str, for_write: bool = False, queryset=None) -> Case:
    """A case for the reintegration pages: 404 unless the user sees the case and
    reads reintegration; PermissionDenied for a write by a reader."""
    return case_access.case_get_for_user(
        user=user, code=code, section=REINTEGRATION.key, for_write=for_write, queryset=queryset
    )


def followup_get_for_user(*, user, uuid, for_write: bool = False) -> FollowUpVisit:
    """A follow-up visit (with its case) by its UUID, scoped like its case."""
    visit = None
    if sections.can_read(user, REINTEGRATION.key):
        visit = (
            FollowUpVisit.objects.visible_to(user)
            .select_related("case", "assigned_to")
            .filter(uuid=uuid)
            .first()
        )
    if visit is None:
        audit_record(user=user, action="access_denied", details={"followup": str(uuid)})
        raise Http404("No such visit.")
    if for_write and not sections.can_write(user, REINTEGRATION.key):
        audit_record(user=user, action="write_denied", case_code=visit.case.code)
        raise PermissionDenied(_("You may read this follow-up but not change it."))
    return visit


def may_record_exit(user, stay: Stay | None) -> bool:
    """Recording her reintegration ends her stay: only the team serving the
    center she is in (or its own staff) may."""
    if stay is None:
        return True
    return serves_center(user, stay.shelter_id) or stay.shelter_id in center_ids_of(user)


def require_exit_from_served_center(user, *, case: Case, stay: Stay | None) -> None:
    """PermissionDenied (audited) unless `may_record_exit`."""
    if may_record_exit(user, stay):
        return
    audit_record(
        user=user,
        action="write_denied",
        case_code=case.code,
        details={"section": REINTEGRATION.key, "center": stay.shelter_id},
    )
    raise PermissionDenied(
        _("Only the team serving the center she is in may record her reintegration.")
    )


def require_agenda(user) -> None:
    case_access.require_section(user, AGENDA.key)


def require_settings(user) -> None:
    case_access.require_section(user, SETTINGS.key, for_write=True)


sections.register_nav("reintegration", lambda user: sections.can_read(user, AGENDA.key))
