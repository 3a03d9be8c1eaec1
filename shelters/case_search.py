"""The case list's search text, kept in the session behind an opaque key.

The search box takes a survivor's name, and an address is kept in browser
history, in the server's and any proxy's access log and in the Referer header
of the next request. So the box posts the text, the server keeps it in the
user's session under a random key, and the list's addresses (pages, sort,
export) carry only that key. Another session does not hold the key; logging
out ends the session and the searches with it.

The session is a row of the database (django_session) whose data is only
signed, not encrypted: the text is stored encrypted, as names are in the
cases table.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.base import SessionBase

from smf.core.fields import decrypt, encrypt

SESSION_KEY = "case_list_searches"
# A few recent searches: enough for back and forward between them, not a history.
SEARCHES_KEPT = 10


def case_search_remember(session: SessionBase, text: str) -> str:
    """Keep `text` in the session and return its key (the same key when the
    same text was searched recently, so that re-applying the filters does not
    push the other searches out)."""
    searches = dict(session.get(SESSION_KEY, {}))
    key = next((k for k, token in searches.items() if _decrypted(token) == text), None)
    if key is None:
        key = secrets.token_urlsafe(12)  # 96 random bits, 16 characters
        token = encrypt(text)
    else:
        token = searches.pop(key)  # moved to the end: the most recent
    searches[key] = token
    session[SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return key


def case_search_recall(session: SessionBase, key: str) -> str | None:
    """The text kept under `key` in this session; None when it is unknown here
    (expired, pushed out by newer searches, or another session's key)."""
    token = session.get(SESSION_KEY, {}).get(key) if key else None
    return _decrypted(token) if token else None


def _decrypted(token: str) -> str | None:
    try:
        return decrypt(token)
    except ValueError:
        return None  # written under a key since retired: as if expired
