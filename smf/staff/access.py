"""The sections the ground app owns: staff accounts and the audit log."""

from django.utils.translation import gettext_lazy as _

from . import sections
from .roles import Role
from .sections import R, Section, W

AREA = _("Administration")

ACCOUNTS = sections.declare(
    Section(
        key="accounts",
        label=_("Staff accounts, roles and teams"),
        area=AREA,
        description=_(
            "Accounts, the roles they hold, teams and centers they belong to. Nobody "
            "changes her own access; every grant and removal is audited."
        ),
        levels={Role.ADMINISTRATOR: W},
        models=("auth.user", "staff.team", "staff.staffprofile"),
        order=200,
    )
)
AUDIT_LOG = sections.declare(
    Section(
        key="audit_log",
        label=_("Audit log"),
        area=AREA,
        description=_("Who viewed, changed, exported or was refused what. Nobody changes it."),
        levels={Role.DIRECTOR: R, Role.ADMINISTRATOR: R},
        models=("staff.auditlog",),
        order=210,
    )
)
PERMISSIONS_PAGE = sections.declare(
    Section(
        key="who_may_do_what",
        label=_("Who may do what"),
        area=AREA,
        description=_("This table."),
        levels={Role.DIRECTOR: R, Role.ADMINISTRATOR: R},
        order=220,
    )
)
