"""The one way to write the audit log, and the shape of what it records.

Every line is appended here, by `audit_record` (one line) or
`audit_record_many` (many, in batches), which chain it: the line gets its id
before it is inserted, the hash of the line before it, and its own hash
(smf/staff/chain.py). The database refuses UPDATE on the table, so nothing can
be filled in afterwards.

Appending is serialised: on PostgreSQL the writer takes a transaction-level
advisory lock, then reads the last line and draws the new ids from the table's
sequence; the lock is held until the writer's transaction ends, so the next
writer sees this one's lines. (Audit inside long transactions therefore waits
for them: write the audit line last.) SQLite has one writer at a time; there the
ids follow the last line's. Whatever happens, the unique constraint on
`prev_hash` stops two lines from chaining onto the same one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date

from django.db import connections, router, transaction
from django.utils import timezone

from .chain import GENESIS, as_stored, chain_key, line_hash
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
    # A refused address may carry any text as its case code: the log keeps as
    # much of it as its column holds (PostgreSQL refuses a longer value).
    case_code = case_code[: AuditLog._meta.get_field("case_code").max_length]
    (entry,) = audit_record_many(
        [
            AuditLog(
                user=user if user is not None and user.is_authenticated else None,
                action=action,
                case_code=case_code,
                details=details or {},
            )
        ]
    )
    logger.info("audit %s case=%s user=%s", action, case_code, getattr(user, "pk", None))
    return entry


# The advisory lock that serialises appends on PostgreSQL (a fixed 64-bit key).
CHAIN_LOCK = int.from_bytes(
    hashlib.sha256(b"cases_auditlog chain").digest()[:8], "big", signed=True
)


def audit_record_many(entries: Iterable[AuditLog], *, batch_size: int = 1000) -> list[AuditLog]:
    """Append unsaved lines, chained in the order given, and return them saved.

    Their `at` is the time of writing; `details` are stored as JSON gives them
    back. Runs inside the caller's transaction if there is one (a failure here
    fails it: no work goes unaudited), else in its own.
    """
    entries = list(entries)
    if not entries:
        return entries
    using = router.db_for_write(AuditLog)
    with transaction.atomic(using=using, savepoint=False):
        prev, ids = _chain_reserve(connections[using], len(entries))
        now = timezone.now()
        key = chain_key()
        for entry, pk in zip(entries, ids, strict=True):
            entry.pk = pk
            entry.at = now
            entry.details = as_stored(entry.details)
            entry.prev_hash = prev
            entry.hash = prev = line_hash(
                key,
                id=pk,
                at=now,
                user_id=entry.user_id,
                action=entry.action,
                case_code=entry.case_code,
                details=entry.details,
                prev_hash=entry.prev_hash,
            )
        AuditLog.objects.using(using).bulk_create(entries, batch_size=batch_size)
    return entries


def _chain_reserve(connection, count: int) -> tuple[str, list[int]]:
    """Under the chain's lock: the last line's hash, and `count` new ids."""
    table = AuditLog._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            # A new statement, so a new snapshot: it sees the lines the
            # previous holder of the lock committed.
            cursor.execute(
                f"SELECT (SELECT hash FROM {quoted} ORDER BY id DESC LIMIT 1),"
                " ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                " FROM generate_series(1, %s))",
                [table, count],
            )
            last_hash, ids = cursor.fetchone()
            return last_hash if last_hash is not None else GENESIS, sorted(ids)
        cursor.execute(f"SELECT id, hash FROM {quoted} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return GENESIS, list(range(1, count + 1))
    return row[1], list(range(row[0] + 1, row[0] + 1 + count))


# Fields whose values never go into the audit log in clear: names and contacts,
# free text (follow-up and activity notes), which is where a name or a
# confidence ends up, and every other field encrypted at rest (employers,
# certificate numbers, courts, clinic results, activity titles): the log is
# append-only, so a value written there could never be taken back. The log
# says the field changed, not what it says.
SECRET_FIELDS = {
    *("given_name", "family_name", "phone", "address", "name_index", "notes", "text"),
    *("details", "employer", "institution", "certificate_number", "cancel_reason"),
    *("reference", "reference_index", "court", "std_result", "treatment", "title"),
}


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
