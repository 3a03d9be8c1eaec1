"""Settings for the whole product, every value read from the environment.

With nothing set, the development defaults serve: DEBUG on, a SQLite file in the
project folder, Celery tasks run in-process, a development encryption key. With
DEBUG off, SECRET_KEY, FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY and AUDIT_CHAIN_KEY
must be given: there is no secret default in production.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import bootstrap as bootstrap_static
import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", "SECRET_KEY" not in os.environ)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-secret-key-never-use-in-production-0123456789abcdef"

# Names and contact details are encrypted with these Fernet keys (comma separated):
# the first encrypts, all decrypt. Rotate by putting a new key first, then run
# `python manage.py reencrypt_fields`.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZCEhISE="]
# Key of the HMAC "blind index" that finds a person by exact name. It is kept
# apart from the Fernet keys so that rotating those leaves every index valid;
# if it ever must change, `reencrypt_fields --reindex` recomputes the indexes.
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")
if not BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be set when DEBUG is off.")
    BLIND_INDEX_KEY = "development-only-blind-index-key"
# Key of the HMAC that chains the audit log's lines (smf/staff/chain.py): whoever
# changes a line without it cannot make the chain whole again, and
# `python manage.py audit_verify` names the line. Never change it: the lines
# already written would no longer verify.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
if not AUDIT_CHAIN_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY must be set when DEBUG is off.")
    AUDIT_CHAIN_KEY = "development-only-audit-chain-key"

# The dates a form takes: from the organisation's first records to this many
# years ahead (planned follow-up visits); outside it a date is a typing slip.
RECORDS_BEGIN = date.fromisoformat(os.environ.get("RECORDS_BEGIN", "1995-01-01"))
RECORDS_YEARS_AHEAD = 10

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # Sign-in throttling and lockout (settings under "Sign-in" below).
    "axes",
    # Two-factor sign-in (smf/staff/twofactor.py; settings under "Sign-in").
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "smf.staff",
    "smf.core",
    "smf.imports",
    "cases",
    "shelters",
    "reintegration",
    "outreach",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL character in the address: 400, before any view (smf/core/middleware.py).
    "smf.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smf.staff.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and absolute lifetime of a login; no-store on every page
    # served to a logged-in user (smf/staff/middleware.py).
    "smf.staff.middleware.SessionLifetimeMiddleware",
    # Whoever must sign in with a second factor and has not is sent to enrol or
    # to sign in again (in place of django-otp's OTPMiddleware).
    "smf.staff.twofactor.SecondFactorMiddleware",
    "smf.staff.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A log-in for a username or from an address known to be locked is refused
    # here, before the form and the password check run (smf/staff/middleware.py).
    "smf.staff.middleware.SignInGateMiddleware",
    # Last, as django-axes requires: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smf.urls"
WSGI_APPLICATION = "smf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smf.staff.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the plan of every costly query anew: for the
    # short aggregates of this product (the yearly figures, lists) compiling
    # costs more than it saves, hundreds of milliseconds a query.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# On PostgreSQL the product connects as this role, which `python manage.py
# db_roles` (run by the owner after `migrate`) creates or updates: it reads and
# writes the product's tables but may only read and append to the audit log,
# owns no table, and so can neither TRUNCATE it nor disable its triggers.
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "smf_app")
# Its password, set by `db_roles` (empty: a role without password, for local
# trust or peer authentication only).
DATABASE_APP_PASSWORD = os.environ.get("DATABASE_APP_PASSWORD", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in. django-axes checks every sign-in before the password is hashed: after
# LOGIN_FAILURE_LIMIT failures for one username, or from one address, within
# LOGIN_LOCKOUT_MINUTES, that username (from anywhere) and that address (for
# any username) are refused, without a password check, until the attempts are
# LOGIN_LOCKOUT_MINUTES old or an administrator deletes them in the admin
# (Axes > Access attempts). Refused attempts do not prolong the lock, so the
# time the lockout page gives is the time it ends. smf/staff/signin.py has the
# page, the address and the audit of sign-ins.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the failures: it would let anyone with a login of
# her own reset the count of the address she guesses another's password from.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "smf.staff.signin.client_address"
AXES_USERNAME_CALLABLE = "smf.staff.signin.attempt_username"
AXES_LOCKOUT_CALLABLE = "smf.staff.signin.lockout_response"
# Sign-ins and sign-outs are in our audit log; axes keeps only the attempts
# that count towards a lock.
AXES_DISABLE_ACCESS_LOG = True
# Its admin is registered in smf/staff/admin.py, behind the roles' permissions.
AXES_ENABLE_ADMIN = False
# Two-factor sign-in (django-two-factor-auth): directors, administrators and
# center managers must sign in with a code from an authenticator app (TOTP) or a
# recovery code; with MFA_REQUIRED_FOR_ALL, every role must. The admin asks it
# of everybody. smf/staff/twofactor.py has the rules.
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL", False)
# The time between the password and the code, after which the sign-in starts again.
TWO_FACTOR_LOGIN_TIMEOUT = 300
# No "remember this browser": center offices share computers.
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
# The QR code of the enrolment is drawn here, as SVG, by the qrcode package.
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"
# A code is good for its 30 seconds and one step either side (a phone's clock
# a little off); django-otp refuses a code used once already, and after wrong
# codes waits longer each time before it checks another. The name the
# authenticator app shows above the code:
OTP_TOTP_ISSUER = "SMF"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("km", _("Khmer"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Phnom_Penh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap comes from PyPI (django-bootstrap-static), installed with everything
# else and served by us, never from a CDN: field offices have poor connections.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", Path(bootstrap_static.__file__).parent / "static" / "bootstrap"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with REDIS_URL a real broker and worker; without it, in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# Longer than any countdown we use, so a task is never redelivered while it waits.
# The socket timeouts make a publish to a Redis that is down, unreachable or
# hung give up within about two seconds: the job row is the truth and the queue
# only a wake-up, so a request answers at once and beat re-sends the job later
# (smf/core/queue.py, smf/core/jobs.py). The worker's BRPOP waits 1 s, less
# than the read timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The previous year's impact report, compiled on 15 January.
    "impact-report-previous-year": {
        "task": "reports.tasks.impact_report_compile_previous_year",
        "schedule": crontab(minute=0, hour=6, day_of_month=15, month_of_year=1),
    },
    # Report jobs whose worker died (no heartbeat) are re-queued or failed, and
    # queued ones whose message may have been lost are sent again.
    "impact-report-requeue-stale": {
        "task": "reports.tasks.impact_reports_requeue_stale",
        "schedule": crontab(minute="*"),
        # A sweep no worker took within the minute is superseded by the next one.
        "options": {"expires": 55},
    },
    # Import jobs: lost messages sent again, jobs of killed workers re-queued.
    "import-jobs-sweep": {
        "task": "smf.imports.tasks.import_jobs_sweep_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    # Imports nobody confirmed within two days, or never finished, fail and
    # their archives (which hold names) are deleted.
    "import-jobs-expire": {
        "task": "smf.imports.tasks.import_jobs_expire_task",
        "schedule": crontab(minute=30, hour=2),
    },
    # Each reintegration officer's digest of visits due and overdue.
    "followup-digests": {
        "task": "reintegration.tasks.followup_digests_send",
        "schedule": crontab(minute=0, hour=7),
    },
    # Expired sessions (what `clearsessions` does) and the "Your sessions"
    # rows of logins that ended by themselves.
    "sessions-sweep": {
        "task": "smf.staff.tasks.sessions_sweep",
        "schedule": crontab(minute=20),
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Security. Production switches these on through the environment.
SESSION_COOKIE_HTTPONLY = True
# A login ends after SESSION_IDLE_MINUTES without a request, and in any case
# SESSION_MAX_HOURS after it began (smf.staff.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_LIFETIME_SECONDS = int(float(os.environ.get("SESSION_MAX_HOURS", "12")) * 3600)
# The session row expires with the idle timeout too (the middleware renews it).
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
# Center offices share computers: closing the browser logs out.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS proxy, which must also pass the client's address in
# X-Forwarded-For: sign-in lockouts and the audit log read it from there.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The container health check calls plain http://127.0.0.1:8000/healthz.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (django-csp 4): no inline script, no outside host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# A calendar feed address (the reintegration team's visits on her phone) stops
# working CALENDAR_FEED_DAYS after it was made; she makes a new one on the feed
# page. A phone that is lost or handed on then stops showing visits by itself.
CALENDAR_FEED_DAYS = int(os.environ.get("CALENDAR_FEED_DAYS", "90"))

# Small-number suppression in the public impact report.
REPORT_SUPPRESSION_THRESHOLD = int(os.environ.get("REPORT_SUPPRESSION_THRESHOLD", "5"))
# A running report beats every REPORT_HEARTBEAT_SECONDS; one silent for
# REPORT_STALE_SECONDS lost its worker and is re-queued by the sweep (every
# minute); one queued for REPORT_RESEND_SECONDS is sent to the queue again.
REPORT_HEARTBEAT_SECONDS = float(os.environ.get("REPORT_HEARTBEAT_SECONDS", "20"))
REPORT_STALE_SECONDS = float(os.environ.get("REPORT_STALE_SECONDS", str(3 * 60)))
REPORT_RESEND_SECONDS = float(os.environ.get("REPORT_RESEND_SECONDS", str(2 * 60)))

# The bulk import (smf/imports): what an archive may hold, by what it really
# unpacks to (defaults that fit a 2 GB host; the import streams, so memory
# does not grow with them), and its jobs' heartbeat, as the reports' above.
IMPORT_MAX_ENTRIES = int(os.environ.get("IMPORT_MAX_ENTRIES", "200"))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(1024**3)))
IMPORT_MAX_RATIO = int(os.environ.get("IMPORT_MAX_RATIO", "200"))
IMPORT_MAX_LINE_CHARS = int(os.environ.get("IMPORT_MAX_LINE_CHARS", "100000"))
IMPORT_HEARTBEAT_SECONDS = float(os.environ.get("IMPORT_HEARTBEAT_SECONDS", "20"))
IMPORT_STALE_SECONDS = float(os.environ.get("IMPORT_STALE_SECONDS", str(3 * 60)))
IMPORT_RESEND_SECONDS = float(os.environ.get("IMPORT_RESEND_SECONDS", str(2 * 60)))
ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Somaly Mam Foundation")

# Logs carry ids, never names: nothing here logs request bodies.
# A calendar feed address carries its secret token in the path: the filter puts
# "[token]" in its place in the lines that show paths, the development server's
# (django.server) and Django's "Not Found: <path>" (django.request), before any
# handler (the server error email too) sees them, and in whatever else reaches
# the console (smf/log_redaction.py; gunicorn's own lines: smf/gunicorn_logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"feed_tokens": {"()": "smf.log_redaction.FeedTokenFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["feed_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["feed_tokens"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["feed_tokens"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
# Server errors are emailed to ADMINS (comma-separated addresses) without the
# request's values or the traceback's variables: see smf/error_reports.py.
ADMINS = [(address, address) for address in env_list("ADMINS")]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
DEFAULT_EXCEPTION_REPORTER = "smf.error_reports.NoDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "smf.error_reports.NoDataExceptionReporterFilter"
