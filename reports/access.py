"""Who may do what with reports and imports: the sections this app owns."""

from django.utils.translation import gettext_lazy as _

from cases import access as case_access
from smf.staff import sections
from smf.staff.roles import Role
from smf.staff.sections import Section, W

AREA = _("Reports")

REPORTS = sections.declare(
    Section(
        key="reports",
        label=_("Impact reports and figures"),
        area=AREA,
        description=_("The annual impact report, its figures and their CSV, disbursements."),
        levels={Role.DIRECTOR: W, Role.ADMINISTRATOR: W},
        # Disbursements are recorded by the outreach app, managed from here.
        models=("reports.impactreport", "outreach.disbursement"),
        order=300,
    )
)
IMPORT = sections.declare(
    Section(
        key="import",
        label=_("Import of historical records"),
        area=AREA,
        description=_("Upload, check and import a folder of CSV files, all or nothing."),
        levels={Role.ADMINISTRATOR: W},
        models=("imports.importjob", "imports.importedfile"),
        order=310,
    )
)


def require_reports(user) -> None:
    case_access.require_section(user, REPORTS.key)


def can_import_records(user) -> bool:
    return sections.can_write(user, IMPORT.key)


sections.register_nav("reports", lambda user: sections.can_read(user, REPORTS.key))
sections.register_nav("imports", can_import_records)
