"""Every write to cases, staff accounts and the audit log."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from . import access
from .access import Role
from .fields import blind_index
from .models import AuditLog, Case, StaffProfile

logger = logging.getLogger(__name__)

# Which model permissions each role's group carries. The visibility of rows is
# decided by cases.access; these decide which kinds of record a role may add,
# change or only view (and what the admin shows them).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SOCIAL_WORKER: {
        "cases": (
            "view_case",
            "add_case",
            "change_case",
            "view_consent",
            "add_consent",
            "change_consent",
            "view_legalcase",
        ),
        "shelters": (
            "view_shelter",
            "view_stay",
            "add_stay",
            "change_stay",
            "view_educationrecord",
            "add_educationrecord",
            "change_educationrecord",
            "view_vocationaltraining",
            "add_vocationaltraining",
            "change_vocationaltraining",
            "view_internship",
            "add_internship",
            "change_internship",
        ),
        "reintegration": ("view_reintegrationsupport", "view_followupvisit"),
    },
    Role.REINTEGRATION_OFFICER: {
        "cases": ("view_case", "view_consent"),
        "shelters": ("view_shelter", "view_stay", "change_stay"),
        "reintegration": (
            "view_reintegrationsupport",
            "add_reintegrationsupport",
            "change_reintegrationsupport",
            "view_followupvisit",
            "add_followupvisit",
            "change_followupvisit",
        ),
    },
    Role.OUTREACH_WORKER: {
        "outreach": (
            "view_venue",
            "add_venue",
            "change_venue",
            "view_outreachvisit",
            "add_outreachvisit",
            "change_outreachvisit",
            "view_clinicvisit",
            "add_clinicvisit",
            "change_clinicvisit",
            "view_meeting",
            "add_meeting",
            "change_meeting",
            "view_event",
            "add_event",
            "change_event",
        ),
    },
    Role.LEGAL_OFFICER: {
        "cases": ("view_case", "view_legalcase", "add_legalcase", "change_legalcase"),
    },
    Role.DIRECTOR: {
        "cases": ("view_case", "view_legalcase", "view_consent", "view_auditlog"),
        "shelters": (
            "view_shelter",
            "view_stay",
            "view_educationrecord",
            "view_vocationaltraining",
            "view_internship",
        ),
        "reintegration": ("view_reintegrationsupport", "view_followupvisit"),
        "outreach": (
            "view_venue",
            "view_outreachvisit",
            "view_clinicvisit",
            "view_meeting",
            "view_event",
        ),
        "reports": ("view_disbursement", "add_disbursement", "change_disbursement"),
    },
}
# A center manager does what a social worker does, and manages the center.
ROLE_PERMISSIONS[Role.CENTER_MANAGER] = {
    **ROLE_PERMISSIONS[Role.SOCIAL_WORKER],
    "shelters": ROLE_PERMISSIONS[Role.SOCIAL_WORKER]["shelters"] + ("change_shelter",),
}


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions.

    Administrators get every permission except changing or deleting the audit log.
    """
    for role in Role.ALL:
        group, _ = Group.objects.get_or_create(name=role)
        if role == Role.ADMINISTRATOR:
            perms = Permission.objects.exclude(
                content_type__app_label="cases",
                codename__in=("change_auditlog", "delete_auditlog", "add_auditlog"),
            )
        else:
            wanted = ROLE_PERMISSIONS.get(role, {})
            perms = Permission.objects.none()
            for app_label, codenames in wanted.items():
                perms = perms | Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
        group.permissions.set(perms)


def roles_sync_after_migrate(sender, **kwargs) -> None:
    roles_sync()


def staff_create(
    *,
    username: str,
    password: str,
    roles: list[str],
    centers=(),
    teams=(),
    email: str = "",
    first_name: str = "",
) -> User:
    """Create (or update) a staff account with its roles, centers and teams."""
    unknown = set(roles) - set(Role.ALL)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        user.email = email
        user.first_name = first_name
        user.is_staff = Role.ADMINISTRATOR in roles
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        profile, _ = StaffProfile.objects.get_or_create(user=user)
        profile.centers.set(centers)
        profile.teams.set(teams)
    return user


def audit_record(
    *, user, action: str, case_code: str = "", details: dict | None = None
) -> AuditLog:
    """Append one line to the audit log. Never pass a name in `details`."""
    entry = AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        case_code=case_code,
        details=details or {},
    )
    logger.info("audit %s case=%s user=%s", action, case_code, getattr(user, "pk", None))
    return entry


# Fields whose values never go into the audit log in clear.
SECRET_FIELDS = {"given_name", "family_name", "phone", "address", "name_index"}


def audit_diff(old: dict, new: dict) -> dict:
    """{field: [old, new]} for the fields that changed, secrets as 'changed'."""
    changes = {}
    for field, value in new.items():
        before = old.get(field)
        if before == value:
            continue
        if field in SECRET_FIELDS:
            changes[field] = "changed"
        else:
            changes[field] = [_plain(before), _plain(value)]
    return changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def case_set_names(case: Case, *, given_name: str, family_name: str) -> None:
    """Set the encrypted names and their blind index (does not save)."""
    case.given_name = given_name
    case.family_name = family_name
    case.name_index = blind_index(given_name, family_name)


def case_code_next(*, prefix: str, year: int) -> str:
    """The next free case code such as TD-2026-0042 (never the database id)."""
    stem = f"{prefix}-{year}-"
    codes = Case.objects.filter(code__startswith=stem).values_list("code", flat=True)
    numbers = [int(c[len(stem) :]) for c in codes if c[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers, default=0) + 1):04d}"


def user_can_see_case(user, case: Case) -> bool:
    return access.visible_cases(Case.objects.filter(pk=case.pk), user).exists()
