"""Signing in: the client's address, the lockout page, and the audit of every
log-in, failed log-in, lockout and log-out.

django-axes (settings.AXES_*) counts failed log-ins per username and per
address and refuses a locked one before the password is hashed. The receivers
below are connected in StaffConfig.ready; none of them ever sees a password
(Django's user_login_failed masks it, and we keep only the username).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import unicodedata
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import Max, Q, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from .audit import audit_record

logger = logging.getLogger(__name__)

# Session keys of the middleware that ends old or idle logins.
LOGIN_AT = "smf_login_at"
SEEN_AT = "smf_seen_at"

# Attempts refused while a lock holds are not counted by axes (so the lock ends
# when the page says) and would be unbounded in a flood: at most one audit line
# per address in this many seconds says that they go on.
REFUSED_AUDIT_SECONDS = 60
# A lock found in the database is remembered this long in the cache, so that
# the attempts after it are refused by SignInGateMiddleware without a query
# (a flood then costs one page each). An administrator's unlock forgets it at
# once in her process; other processes may refuse for these few seconds more.
LOCK_MEMO_SECONDS = 5
# The lockout page for visitors without a session is rendered once per
# language and minute (it names the minute the lock ends).
PAGE_CACHE_SECONDS = 60


def client_address(request) -> str | None:
    """The address of whoever sent the request: behind our TLS proxy
    (BEHIND_PROXY) the last X-Forwarded-For entry, the one the proxy itself
    added (entries before it are the client's to invent); else REMOTE_ADDR."""
    if request is None:
        return None
    candidates = []
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidates.append(hops[-1])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def request_address(request) -> str | None:
    # Axes has already worked it out for a sign-in request.
    return getattr(request, "axes_ip_address", None) or client_address(request)


def _cool_off():
    return settings.AXES_COOLOFF_TIME


def _recent_attempts(username, address):
    """Axes' attempts, within the cool-off, that count for this username or address."""
    from axes.models import AccessAttempt

    match = Q(pk__in=[])
    if username:
        match |= Q(username=username)
    if address:
        match |= Q(ip_address=address)
    since = timezone.now() - _cool_off()
    return AccessAttempt.objects.filter(match, attempt_time__gte=since)


def lockout_ends(username, address):
    """When signing in opens again for both: the last counted failure plus the
    cool-off (refused attempts are not counted, so this does not move)."""
    latest = _recent_attempts(username, address).aggregate(last=Max("attempt_time"))["last"]
    return (latest or timezone.now()) + _cool_off()


def lock_state(username, address) -> dict:
    """{"username"|"address": when its lock ends} for whichever is locked now."""
    from axes.models import AccessAttempt

    since = timezone.now() - _cool_off()
    state = {}
    for kind, field, value in (
        ("username", "username", username),
        ("address", "ip_address", address),
    ):
        if not value:
            continue
        row = AccessAttempt.objects.filter(**{field: value}, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if (row["n"] or 0) >= settings.AXES_FAILURE_LIMIT:
            state[kind] = row["last"] + _cool_off()
    return state


def _memo_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(str(value).encode()).hexdigest()
    return f"smf-signin-lock:{kind}:{digest}"


def remember_locks(username, address, state: dict) -> None:
    values = {"username": username, "address": address}
    now = timezone.now()
    for kind, ends in state.items():
        seconds = min(LOCK_MEMO_SECONDS, (ends - now).total_seconds())
        if seconds > 0:
            cache.set(_memo_key(kind, values[kind]), ends.timestamp(), timeout=seconds)


def forget_locks(username, address) -> None:
    cache.delete_many(
        [_memo_key(k, v) for k, v in (("username", username), ("address", address)) if v]
    )


def remembered_lock_end(username, address):
    keys = [_memo_key(k, v) for k, v in (("username", username), ("address", address)) if v]
    found = cache.get_many(keys)
    if not found:
        return None
    return datetime.fromtimestamp(max(found.values()), tz=UTC)


# axes keeps a username in 255 characters (AccessAttempt.username): a longer
# guess is counted, and looked up, by its first 255.
USERNAME_KEPT = 255


def posted_username(request) -> str:
    """The username as the login form cleans it (stripped, NFKC), as axes keys it."""
    posted = unicodedata.normalize("NFKC", str(request.POST.get("username", "")).strip())
    return posted[:USERNAME_KEPT]


def attempt_username(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username a failed sign-in is counted under,
    cut to what axes's table holds (the login form does not bound its length,
    and PostgreSQL refuses a longer value: a 500 before this)."""
    if credentials:
        username = credentials.get("username")
        return None if username is None else str(username)[:USERNAME_KEPT]
    return posted_username(request)


def refuse_if_locked(request):
    """The lockout page if the cache remembers a lock on this username or
    address (SignInGateMiddleware), else None: the normal path decides."""
    username, address = posted_username(request), client_address(request)
    ends = remembered_lock_end(username, address)
    if ends is None or ends <= timezone.now():
        return None
    _audit_refused(username, address)
    return lockout_page(request, ends)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page, in the site's layout, 429."""
    from axes.helpers import get_client_username

    username = get_client_username(request, credentials)
    return lockout_page(request, lockout_ends(username, request_address(request)))


def lockout_page(request, ends):
    seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lock_minutes": math.ceil(_cool_off().total_seconds() / 60),
        "retry_at": timezone.localtime(ends),
        "retry_minutes": math.ceil(seconds / 60),
    }
    if _page_is_shareable(request):
        # The same page for every visitor without a session, per language and
        # minute: a flood of guesses gets it from the cache, not the renderer.
        key = "smf-lockout-page:" + ":".join(
            str(part)
            for part in (
                get_language(),
                context["retry_at"].strftime("%Y%m%d%H%M"),
                context["retry_minutes"],
                context["failure_limit"],
                context["lock_minutes"],
            )
        )
        html = cache.get(key)
        if html is None:
            html = render_to_string("registration/lockout.html", context, request)
            cache.set(key, html, timeout=PAGE_CACHE_SECONDS)
        response = HttpResponse(html, status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        response = render(
            request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    response["Retry-After"] = str(seconds)
    return response


def _page_is_shareable(request) -> bool:
    """Nothing of this visitor's own on the page: nobody logged in, no session
    and no pending message (the cookies that could carry one are absent)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return not {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name} & set(request.COOKIES)


# --- Audit receivers ------------------------------------------------------------------


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in `credentials`; only the username is kept.
    username = str(credentials.get("username") or "")[:150]
    address = request_address(request)
    refused = (
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )
    if refused:
        # Locked already: the password was not checked. The next attempts are
        # refused from the cache (SignInGateMiddleware).
        remember_locks(username, address, lock_state(username, address))
        _audit_refused(username, address)
        return
    audit_record(
        user=None, action="login_failed", details={"username": username, "address": address}
    )


def _audit_refused(username, address) -> None:
    """One line per address and minute at most says that attempts go on."""
    logger.info("sign-in refused while locked (address %s)", address)
    if cache.add(f"smf-signin-refused:{address}", 1, timeout=REFUSED_AUDIT_SECONDS):
        audit_record(
            user=None, action="login_refused", details={"username": username, "address": address}
        )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """axes' user_locked_out: written once, by the failure that sets the lock.

    Axes sends the signal again for every attempt refused during the lock;
    those carry no failure count (they were not counted) and are left to
    on_login_failed."""
    failures = getattr(request, "axes_failures_since_start", None)
    if request is None or failures is None:
        return
    state = lock_state(username, ip_address)
    remember_locks(username, ip_address, state)
    audit_record(
        user=None,
        action="login_lockout",
        details={
            "username": str(username or "")[:150],
            "address": ip_address,
            "failures": failures,
            "locked": [kind for kind in ("username", "address") if kind in state],
            "until": lockout_ends(username, ip_address).isoformat(),
        },
    )
