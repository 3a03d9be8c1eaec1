"""The audit log's hash chain: what a line's hash covers, and how it is computed.

Each line carries `prev_hash`, the hash of the line before it (GENESIS for the
first line), and `hash`, an HMAC-SHA256 keyed with settings.AUDIT_CHAIN_KEY over
a canonical serialisation of the line: sorted-key JSON of its id, time (UTC,
microseconds), user id, action, case code, details and prev_hash. Changing,
removing or inserting a line breaks the chain at that line, and nobody without
the key can compute the hashes again. `python manage.py audit_verify` walks it.

This module knows no model and no database: the writer (audit.py), the
migration that chained the lines written before the chain existed, and the
verifier all call `line_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings

GENESIS = "0" * 64


def chain_key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def as_stored(details) -> dict:
    """`details` as the database will give it back (tuples become lists, keys
    strings): what is hashed must be what is read."""
    return json.loads(json.dumps(details or {}))


def _canonical_value(value):
    # PostgreSQL's jsonb keeps numbers as decimals: 1e16 comes back as the
    # integer 10000000000000000 and -0.0 as 0.0. A whole float is therefore
    # hashed as the integer it denotes, on every database alike.
    if isinstance(value, float) and value.is_integer():
        return int(Decimal(repr(value)))
    if isinstance(value, dict):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    return value


def canonical(
    *,
    id: int,
    at: datetime,
    user_id: int | None,
    action: str,
    case_code: str,
    details,
    prev_hash: str,
) -> bytes:
    payload = {
        "id": int(id),
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": None if user_id is None else int(user_id),
        "action": action,
        "case_code": case_code,
        "details": _canonical_value(details),
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def line_hash(key: bytes | None = None, **fields) -> str:
    """The hash of one line; `fields` are those of `canonical`."""
    return hmac.new(key or chain_key(), canonical(**fields), hashlib.sha256).hexdigest()
