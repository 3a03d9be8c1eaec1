"""Secrets that travel in a URL's path are kept out of every log line.

A calendar feed address (`.../feed/<token>.ics`) carries its only credential in
the path, and paths are what access logs are made of: the development server's
(`django.server`), Django's "Not Found: <path>" warnings (`django.request`),
gunicorn's access and error logs (smf/gunicorn_logging.py) and the server
error email. Whoever reads one of those could otherwise read her visits.

Ground code: it knows the shape of the address, not the app that serves it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

PLACEHOLDER = "[token]"

# After `/feed/`, a run of hex digits, dashes or percent escapes long enough to
# be (part of) a token, in any case and with or without dashes: a mistyped or
# re-encoded copy of the secret is still the secret. `/feed/` and
# `/feed/token/` (the settings page and its form) do not match.
FEED_TOKEN = re.compile(r"(?i)(/feed/)[0-9a-f%-]{8,}")


def redact(text: str) -> str:
    """The text with every feed token replaced by PLACEHOLDER."""
    if "/feed/" not in text.lower():
        return text
    return FEED_TOKEN.sub(rf"\g<1>{PLACEHOLDER}", text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class FeedTokenFilter(logging.Filter):
    """Replaces feed tokens in a record's message and its arguments; never drops it.

    Arguments are redacted one by one, so the record keeps its shape for the
    formatter (gunicorn passes a dict of "atoms", and reads it case-blind
    through its own dict class, which is changed in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):
            for key, value in list(args.items()):
                new = _redacted(value)
                if new != value:
                    args[key] = new
        elif isinstance(args, tuple):
            record.args = tuple(_redacted(arg) for arg in args)
        return True
