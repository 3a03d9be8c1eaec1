"""The one way to write the audit log, and the shape of what it records."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import date

from .models import AuditLog

logger = logging.getLogger(__name__)

# Who is acting, for writes that reach us without a user in hand (a role
# granted through the admin's user form arrives as a signal). Set per request
# by `smf.staff.middleware.ActorMiddleware`; None in a shell or a command.
current_actor: ContextVar = ContextVar("smf_current_actor", default=None)


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


# Fields whose values never go into the audit log in clear: names and contacts,
# and free text (follow-up and activity notes), which is where a name or a
# confidence ends up. The log says the field changed, not what it says.
SECRET_FIELDS = {"given_name", "family_name", "phone", "address", "name_index", "notes", "text"}


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
            changes[field] = [plain(before), plain(value)]
    return changes


def plain(value):
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)
