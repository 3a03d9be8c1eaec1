import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.urls import NoReverseMatch, reverse
from django.utils.translation import ngettext

from .audit import current_actor
from .sessions import session_seen
from .signin import LOGIN_AT, SEEN_AT, refuse_if_locked


class ActorMiddleware:
    """Remember who is acting during a request, for audit lines written from
    signals (a role granted in the admin). Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_actor.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


class SessionLifetimeMiddleware:
    """End a login that has been idle for SESSION_IDLE_SECONDS, or that began
    more than SESSION_LIFETIME_SECONDS ago, whatever its activity.

    The login time is written into the session at log-in
    (smf.staff.signin.on_logged_in). The time of the last request is renewed
    at most once a minute (TOUCH_SECONDS), so an active user's session is
    written once a minute rather than on every request; saving it also moves
    the session row's own expiry (SESSION_COOKIE_AGE, the idle timeout) on,
    and the time of her last request on her "Your sessions" page
    (smf.staff.sessions.session_seen).
    The log-out is audited with its reason (idle, lifetime); the rest of the
    request runs as nobody, so a page asked for sends her to the login page.
    Place after AuthenticationMiddleware and MessageMiddleware.
    """

    TOUCH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = time.time()
        login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
        if login_at is None:  # a login older than this rule: its lifetime starts now
            session[LOGIN_AT] = session[SEEN_AT] = now
            session_seen(request=request)
            return
        if now - login_at >= settings.SESSION_LIFETIME_SECONDS:
            self._end(request, "lifetime")
        elif seen_at is not None and now - seen_at >= settings.SESSION_IDLE_SECONDS:
            self._end(request, "idle")
        elif seen_at is None or now - seen_at >= self.TOUCH_SECONDS:
            session[SEEN_AT] = now
            # Her "Your sessions" page: one UPDATE, in the minute's touch only.
            session_seen(request=request)

    def _end(self, request, reason: str) -> None:
        request._smf_logout_reason = reason
        logout(request)  # audited by smf.staff.signin.on_logged_out
        current_actor.set(request.user)
        if reason == "idle":
            minutes = settings.SESSION_IDLE_SECONDS // 60
            text = ngettext(
                "You were logged out after %(minutes)d minute without activity. "
                "Please log in again.",
                "You were logged out after %(minutes)d minutes without activity. "
                "Please log in again.",
                minutes,
            ) % {"minutes": minutes}
        else:
            hours = max(1, round(settings.SESSION_LIFETIME_SECONDS / 3600))
            text = ngettext(
                "You were logged out: a login lasts %(hours)d hour at most. Please log in again.",
                "You were logged out: a login lasts %(hours)d hours at most. Please log in again.",
                hours,
            ) % {"hours": hours}
        messages.info(request, text)


class NoStoreMiddleware:
    """`Cache-Control: no-store` and `Pragma: no-cache` on every response to a
    logged-in user, pages and downloads alike, so that no browser or proxy keeps
    a copy of what she saw (a name on a shared office computer). Anonymous
    pages (the login page, the health check) keep their own headers; static
    files are served by WhiteNoise before this runs and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "no-store" not in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class SignInGateMiddleware:
    """Refuse a log-in for a username or from an address that is locked, as
    soon as the cache remembers the lock (smf.staff.signin.LOCK_MEMO_SECONDS),
    before the login form, the CSRF check, authenticate() and django-axes'
    bookkeeping run: under a flood of guesses each refused attempt then costs
    the lockout page only. The first attempt after a lock is refused the usual
    way, by axes, and that one teaches the cache. Place just before
    AxesMiddleware (after the headers' middleware, so the page gets them)."""

    LOGIN_URL_NAMES = ("login", "admin:login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and settings.AXES_ENABLED:
            if request.path_info in self._login_paths(request):
                refused = refuse_if_locked(request)
                if refused is not None:
                    return refused
        return self.get_response(request)

    def _login_paths(self, request) -> set:
        paths = set()
        for name in self.LOGIN_URL_NAMES:
            try:
                paths.add(reverse(name, urlconf=getattr(request, "urlconf", None)))
            except NoReverseMatch:  # a URLconf without it (a test's own)
                continue
        return paths
