"""The one versioned save: optimistic locking for records two people may edit.

A record that carries a `version` is changed by naming the version its author
read. The save is a conditional UPDATE ... WHERE version = <read version> under
a row lock; when someone saved first it raises StaleVersion, carrying the saved
record, and writes nothing. Every save writes one audit line of one shape:
{"record": <uuid or code>, "changes": {field: [old, new]}, "version": [read, new]}.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from smf.staff.audit import audit_diff, audit_record


class StaleVersion(Exception):
    """Someone else saved this record since it was read: nothing was written.

    Raised by every optimistic-locking save (cases, stays, education, training,
    internships, activities, plans, follow-up visits); `current` is the saved record.
    """

    def __init__(self, current):
        super().__init__("the record was changed by someone else")
        self.current = current


def record_label(record) -> str:
    """How the audit log names a record: its uuid, else its code, else its id."""
    for attr in ("uuid", "code"):
        value = getattr(record, attr, None)
        if value:
            return str(value)
    return str(record.pk)


def save_versioned(
    record,
    *,
    version: int | None,
    changes: dict,
    user,
    action: str,
    case_code: str,
    also_write: dict | None = None,
    then: Callable[[object], dict] | None = None,
):
    """Apply `changes` to `record` if its version is still `version`, and audit it.

    `version=None` means "the version in hand" (a write that follows a read in
    the same request). `also_write` are derived columns written with the change
    but not audited as such (a blind index). `then(current)` runs inside the
    same transaction after the update (participants of an activity) and returns
    more changes for the audit line. Returns the saved record; a save that
    changes nothing returns it unchanged and writes no audit line.
    """
    model = type(record)
    manager = model._base_manager
    expected = record.version if version is None else version
    with transaction.atomic():
        current = manager.select_for_update().get(pk=record.pk)
        if current.version != expected:
            raise StaleVersion(current)
        diff = audit_diff({field: getattr(current, field) for field in changes}, changes)
        extra = {}
        if diff:
            values = {**changes, **(also_write or {}), "version": expected + 1}
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                values["updated_at"] = timezone.now()
            manager.filter(pk=record.pk, version=expected).update(**values)
        if then is not None:
            extra = then(current) or {}
            if extra and not diff:
                manager.filter(pk=record.pk, version=expected).update(version=expected + 1)
        if not diff and not extra:
            return current
        audit_record(
            user=user,
            action=action,
            case_code=case_code,
            details={
                "record": record_label(record),
                "changes": {**diff, **extra},
                "version": [expected, expected + 1],
            },
        )
    return manager.get(pk=record.pk)
