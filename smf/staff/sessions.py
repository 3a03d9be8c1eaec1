"""Her logins: the rows of the "Your sessions" page, and the one way to end one.

A StaffSession row mirrors a session of the session store (Django's database
engine, or cached_db): written at log-in (`on_logged_in` below, once
the key is final: login() has cycled it), its last request renewed when the
session lifetime middleware renews SEEN_AT (once a minute, so no query per
request), and deleted at log-out, which every timeout goes through. A session
that expired without a request (the browser closed) leaves its row behind:
such rows are never shown (`sessions_of_user` joins the live sessions) and the
hourly sweep deletes them with the expired sessions themselves.

Ending a login deletes its session from the store (its next request is
anonymous, so it goes to the login page) and its row, and is audited as
`session_end` with the row's id, never the session key.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from importlib import import_module
from uuid import UUID

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .audit import audit_record, current_actor
from .models import StaffSession
from .signin import LOGIN_AT, SEEN_AT, client_address, request_address

# The User-Agent is read this far at most; only the summary below is kept.
USER_AGENT_READ = 512

# (pattern, name), the first match wins: Edge, Opera and Samsung Internet also
# say "Chrome", and Chrome also says "Safari".
BROWSERS = (
    (re.compile(r"\b(?:Edge|Edg|EdgA|EdgiOS)/"), "Edge"),
    (re.compile(r"\b(?:OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(?:Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(?:Chrome|CriOS|Chromium)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+ (?:Mobile/\S+ )?Safari/"), "Safari"),
    (re.compile(r"\bMSIE |\bTrident/"), "Internet Explorer"),
)
# Android and iOS user agents also name Linux and "Mac OS X".
PLATFORMS = (
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\b(?:iPhone|iPod)\b"), "iPhone"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\b(?:Macintosh|Mac OS X)\b"), "macOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
)


def browser_summary(user_agent: str) -> tuple[str, str]:
    """(browser, platform) named from a User-Agent, e.g. ("Chrome", "Android");
    "" for what is not recognised (the page says "unknown")."""
    text = (user_agent or "")[:USER_AGENT_READ]

    def first(table):
        return next((name for pattern, name in table if pattern.search(text)), "")

    return first(BROWSERS), first(PLATFORMS)


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _live_session_keys():
    """The keys of the sessions that have not expired (a subquery): the
    session engine must keep its sessions in the database (db, cached_db)."""
    model = _store().get_model_class()
    return model.objects.filter(expire_date__gt=timezone.now()).values("session_key")


# --- reads ---------------------------------------------------------------------------


def sessions_of_user(*, user) -> QuerySet[StaffSession]:
    """Her logins whose session is still alive, the latest used first."""
    return StaffSession.objects.filter(user=user, session_key__in=_live_session_keys())


def staff_session_get_for_user(*, user, uuid: UUID, current_key: str | None) -> StaffSession:
    """Another of her own logins, or 404: another user's login, and the one
    she is using (she logs out to end it), answer like one that never was."""
    rows = StaffSession.objects.filter(user=user)
    if current_key:
        rows = rows.exclude(session_key=current_key)
    return get_object_or_404(rows, uuid=uuid)


# --- writes --------------------------------------------------------------------------


def session_record(*, request, user) -> StaffSession:
    """The row of the login just made (user_logged_in): when, from which
    address and browser. login() has already cycled the session key; when it
    flushed a session of someone else instead, the new key is only made when
    the session is saved, so it is saved here to learn it."""
    session = request.session
    if session.session_key is None:
        session.save()
    now = timezone.now()
    browser, platform = browser_summary(request.META.get("HTTP_USER_AGENT", ""))
    row, _ = StaffSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "started_at": now,
            "last_seen_at": now,
            "address": client_address(request),
            "browser": browser,
            "platform": platform,
        },
    )
    return row


def session_seen(*, request) -> None:
    """Renew the time of her last request (the middleware calls this once a
    minute at most). A login without a row (made before rows were kept, or
    whose key was cycled by code that did not say so) gets one now, its start
    taken from the session itself."""
    session, now = request.session, timezone.now()
    if session.session_key is None:
        return
    if StaffSession.objects.filter(session_key=session.session_key).update(last_seen_at=now):
        return
    login_at = session.get(LOGIN_AT)
    browser, platform = browser_summary(request.META.get("HTTP_USER_AGENT", ""))
    StaffSession.objects.get_or_create(
        session_key=session.session_key,
        defaults={
            "user": request.user,
            "started_at": datetime.fromtimestamp(login_at, tz=UTC) if login_at else now,
            "last_seen_at": now,
            "address": client_address(request),
            "browser": browser,
            "platform": platform,
        },
    )


def session_rekeyed(*, old_key: str | None, new_key: str | None) -> None:
    """The login's session key was cycled (a password change does it): her row
    follows it."""
    if old_key and new_key and old_key != new_key:
        StaffSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_forget(*, session_key: str | None) -> None:
    """The login ended by logging out (audited as `logout`): its row goes."""
    if session_key:
        StaffSession.objects.filter(session_key=session_key).delete()


def session_end(*, row: StaffSession, by, reason: str) -> None:
    """End one login: its session leaves the store, so its next request goes
    to the login page; its row goes; audited (the row's id, not the key)."""
    row_id = row.pk  # delete() forgets it
    with transaction.atomic():
        _store()(session_key=row.session_key).delete()
        row.delete()
        _audit_ended(user_id=row.user_id, row_id=row_id, address=row.address, by=by, reason=reason)


def sessions_end_all(user, *, keep_key: str | None = None, reason: str, by=None) -> int:
    """End every login of `user` but the one whose session key is `keep_key`
    (her own, when she ends her other logins or changes her password), and
    return how many were ended.

    For an administrator's action on her account (deactivation, a reset of her
    second factor) pass `by`; without it the acting user of the request
    (ActorMiddleware) is audited, else `user` herself. Every session of the
    store that belongs to her is ended, with a row or without one (a login
    made before rows were kept): the store is read through once, which is
    fine for a staff of this size and an action this rare. One `session_end`
    audit line per login ended, with `reason`.
    """
    actor = by if by is not None else current_actor.get() or user
    rows = {row.session_key: row for row in StaffSession.objects.filter(user=user)}
    keys = set(rows) | _store_keys_of(user)
    keys.discard(keep_key)
    with transaction.atomic():
        for key in sorted(keys):
            _store()(session_key=key).delete()
        StaffSession.objects.filter(session_key__in=keys).delete()
        for key in sorted(keys):
            row = rows.get(key)
            _audit_ended(
                user_id=user.pk,
                row_id=row.id if row else None,
                address=row.address if row else None,
                by=actor,
                reason=reason,
            )
    return len(keys)


def _store_keys_of(user) -> set[str]:
    """The keys of the live sessions logged in as `user`, read from the store."""
    store = _store()
    decoder = store()
    model = store.get_model_class()
    wanted = str(user.pk)
    return {
        session.session_key
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if decoder.decode(session.session_data).get(SESSION_KEY) == wanted
    }


def _audit_ended(*, user_id: int, row_id: int | None, address, by, reason: str) -> None:
    audit_record(
        user=by,
        action="session_end",
        details={"staff": user_id, "session": row_id, "address": address, "reason": reason},
    )


def sessions_sweep() -> int:
    """Hourly (settings.CELERY_BEAT_SCHEDULE): the expired sessions leave the
    store (what `clearsessions` does) and the rows of logins whose session is
    gone are deleted; returns how many rows. Not audited: these logins ended
    by themselves, like a timeout."""
    _store().clear_expired()
    deleted, _ = StaffSession.objects.exclude(session_key__in=_live_session_keys()).delete()
    return deleted


def user_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    """post_save of a user: a deactivated account's logins all end, whoever
    deactivated it and wherever (the admin, the shell, a service)."""
    if created or raw or instance.is_active:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" not in update_fields:
        return
    sessions_end_all(instance, reason="deactivated")


# --- receivers of log-in and log-out (connected in smf/staff/apps.py) ----------------


def on_logged_in(sender, request, user, **kwargs):
    """The session's clocks start, its row is written (her "Your sessions" page),
    and the log-in is audited with the address."""
    if request is None:
        return
    session = getattr(request, "session", None)
    if session is not None:
        session[LOGIN_AT] = session[SEEN_AT] = time.time()
        session_record(request=request, user=user)
    audit_record(user=user, action="login", details={"address": request_address(request)})


def on_logged_out(sender, request, user, **kwargs):
    if user is None:  # nobody was logged in
        return
    session = getattr(request, "session", None)
    session_forget(session_key=getattr(session, "session_key", None))
    reason = getattr(request, "_smf_logout_reason", "user")
    audit_record(
        user=user, action="logout", details={"address": request_address(request), "reason": reason}
    )
