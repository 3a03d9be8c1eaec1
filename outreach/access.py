"""Who may do what with outreach, clinic and advocacy records: the section
this app owns. Outreach records hold no names (clinic clients are anonymous
codes): the outreach team writes them, directors and administrators read them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases import access as case_access
from smf.staff import sections
from smf.staff.roles import Role
from smf.staff.sections import R, Section, W

OUTREACH = sections.declare(
    Section(
        key="outreach",
        label=_("Outreach, clinic and advocacy"),
        area=_("Outreach"),
        description=_(
            "Venues, outreach visits, supplies, clinic visits, meetings, events, "
            "police trainings and media campaigns."
        ),
        levels={Role.OUTREACH_WORKER: W, Role.DIRECTOR: R, Role.ADMINISTRATOR: R},
        models=(
            "outreach.venue",
            "outreach.outreachvisit",
            "outreach.supplyitem",
            "outreach.supplyreceipt",
            "outreach.visitsupply",
            "outreach.clinicclient",
            "outreach.clinicvisit",
            "outreach.meeting",
            "outreach.event",
            "outreach.advocacyactivity",
        ),
        order=100,
    )
)


def require_outreach(user) -> None:
    """404 for anyone outside outreach."""
    case_access.require_section(user, OUTREACH.key)


def require_outreach_write(user) -> None:
    """404 for anyone outside outreach; PermissionDenied for a reader (director)."""
    case_access.require_section(user, OUTREACH.key, for_write=True)


def can_edit_outreach(user) -> bool:
    return sections.can_write(user, OUTREACH.key)


sections.register_nav("outreach", lambda user: sections.can_read(user, OUTREACH.key))
