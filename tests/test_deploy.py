"""Production wiring: `check --deploy`, refusal to start without secrets, the
Content Security Policy, the docker-compose file, the health check and error
reports that carry no personal data.

Settings are read once per process, so every production-like configuration is
tried in a subprocess with its own environment.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

ROOT = Path(__file__).resolve().parent.parent

# Variables that would leak the developer's or CI's configuration into a run.
_CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEY",
    "BEHIND_PROXY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def production_env(**overrides: str | None) -> dict[str, str]:
    """The environment of a production server; an override of None removes a variable."""
    # Nothing of the test process's own set-up leaks in (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _CONFIG_VARS and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "smf.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
            "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "cases.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://cases.example.org",
            "BEHIND_PROXY": "1",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- check --deploy and refusal to start ------------------------------------


def test_check_deploy_prints_no_warnings_in_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?: (security" not in output


def test_check_deploy_does_warn_with_debug_on():
    # The check above can fail: with DEBUG on, Django's deploy checks complain.
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(DEBUG="1"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    result = manage("check", env=production_env(**{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_empty_secret_counts_as_missing():
    result = manage("check", env=production_env(FIELD_ENCRYPTION_KEYS=" , "))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


# --- Content Security Policy -------------------------------------------------

_ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/healthz", "/no-such-page/"])
def test_csp_allows_no_inline_script_and_no_outside_host(client, url):
    response = client.get(url)
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {url}"
    policy = parse_csp(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # script-src itself, or default-src by inheritance.
    script_sources = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources
    for directive, sources in policy.items():
        for source in sources:
            assert source in _ALLOWED_SOURCES, f"{directive} allows {source}"


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    html = client.get("/login/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.I)
    assert scripts, "the page loads no script at all: the check below would prove nothing"
    for tag in scripts:
        assert re.search(r"\bsrc=\"/static/", tag), f"inline or outside script: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), "inline event handler"


# --- docker-compose.yml, Dockerfile, .env.example -------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service(compose):
    assert set(compose["services"]) >= {"web", "worker", "beat", "db", "redis", "migrate"}


def test_compose_runs_gunicorn_celery_worker_and_beat(compose):
    services = compose["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    # web runs the image's command, which is gunicorn.
    assert "command" not in services["web"]
    assert re.search(r'CMD \["gunicorn", "smf\.wsgi:application"', dockerfile)
    worker = services["worker"]["command"]
    assert worker[:4] == ["celery", "-A", "smf", "worker"]
    assert "--max-tasks-per-child=50" in worker
    assert services["beat"]["command"][:4] == ["celery", "-A", "smf", "beat"]
    # Migrations, then the application role's grants (which cover new tables).
    assert services["migrate"]["command"] == [
        "sh",
        "-c",
        "python manage.py migrate --no-input && python manage.py db_roles",
    ]
    assert services["migrate"]["restart"] == "no"


def test_compose_runs_migrations_as_the_owner_and_the_product_as_the_app_role(compose):
    services = compose["services"]
    owner = "postgres://${POSTGRES_USER:-smf}:${POSTGRES_PASSWORD:"
    app = "postgres://${DATABASE_APP_ROLE:-smf_app}:${DATABASE_APP_PASSWORD:"
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith(owner)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith(app), name
        # .env reaches every container: the owner's password is blanked in the product's.
        assert environment["POSTGRES_PASSWORD"] == "", name


def test_compose_database_and_redis(compose):
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert re.fullmatch(r"postgres:(1[5-9]|[2-9]\d)(\.\d+)*", db["image"])
    assert "postgres-data:/var/lib/postgresql/data" in db["volumes"]
    assert "postgres-data" in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert redis["image"].startswith("redis:7")
    command = redis["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert "ping" in redis["healthcheck"]["test"]


def test_compose_healthchecks_and_start_order(compose):
    services = compose["services"]
    assert "healthz" in (ROOT / "docker" / "healthcheck.py").read_text()
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "/app/docker/healthcheck.py"]
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_publishes_web_on_loopback_only(compose):
    services = compose["services"]
    assert services["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"]
    for name in ("db", "redis", "worker", "beat", "migrate"):
        assert "ports" not in services[name], f"{name} must not be reachable from outside"


def test_compose_app_services_read_env_file_and_share_media(compose):
    for name in ("web", "worker", "beat", "migrate"):
        service = compose["services"][name]
        assert service["env_file"] == ".env", name
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    # Uploaded imports (web) are read by the worker, which writes the reports web serves.
    for name in ("web", "worker"):
        assert "media:/app/media" in compose["services"][name]["volumes"]


_SECRET_NAMES = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEY",
    "PASSWORD",
)


def _walk(node, trail=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{trail}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, trail)
    else:
        yield trail, str(node)


def test_compose_bakes_in_no_secret(compose):
    for trail, value in _walk(compose):
        name = trail.rsplit(".", 1)[-1]
        if any(secret in name for secret in _SECRET_NAMES):
            # From .env, or blanked (the owner's password in the product's services).
            assert value == "" or re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), (
                f"{trail} is written in"
            )
        if "://" in value and "@" in value:
            # A URL with credentials takes its password from .env.
            assert re.search(r":\$\{(POSTGRES|DATABASE_APP)_PASSWORD:\?[^}]*\}@", value), (
                f"{trail} has a password written in"
            )


def test_dockerfile_builds_a_non_root_image_with_khmer_fonts_and_no_secret():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in (
        "fonts-khmeros",
        "fonts-noto-core",
        "gettext",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
    ):
        assert package in dockerfile
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile and "compilemessages" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    for line in re.findall(r"^(?:ENV|ARG)\s.*$", dockerfile, flags=re.M):
        assert not any(secret in line for secret in _SECRET_NAMES), line
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "db.sqlite3", "media"} <= set(ignored)


def _variables_read_by_the_code() -> set[str]:
    names = set()
    pattern = re.compile(r"(?:env_bool|env_list|environ\.get|getenv|environ\[)\(?\s*\"([A-Z_]+)\"")
    for package in ("smf", "cases", "shelters", "reintegration", "outreach", "reports"):
        for file in (ROOT / package).rglob("*.py"):
            names |= set(pattern.findall(file.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_env_example_documents_every_variable():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    required = {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "AUDIT_CHAIN_KEY",
        "DATABASE_APP_ROLE",
        "DATABASE_APP_PASSWORD",
        "EMAIL_HOST",
        "DEFAULT_FROM_EMAIL",
        "SITE_URL",
        "BEHIND_PROXY",
        "REPORT_SUPPRESSION_THRESHOLD",
        "DEMO_PASSWORD",
        "ORGANISATION_NAME",
        "TIME_ZONE",
        "POSTGRES_PASSWORD",
    }
    read_by_code = _variables_read_by_the_code()
    assert "SECRET_KEY" in read_by_code  # the scan works
    assert not (required | read_by_code) - documented
    # It holds placeholders, never a usable secret.
    for name in (
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "AUDIT_CHAIN_KEY",
        "POSTGRES_PASSWORD",
        "DATABASE_APP_PASSWORD",
    ):
        assert re.search(rf"^{name}=CHANGE-ME$", example, flags=re.M), name
    assert "Fernet.generate_key()" in example and "reencrypt_fields" in example


def test_env_example_is_not_ignored_but_env_is():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True
    ).returncode
    example_ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env.example"], cwd=ROOT, capture_output=True
    ).returncode
    assert ignored == 0 and example_ignored == 1


# --- /healthz -------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_login_and_without_data(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) <= {"database", "cache", "broker"}
    assert response.headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_reports_a_failing_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301


# --- Error pages and error emails -----------------------------------------------

SECRET_NAME = "Sokha Chann"


def _boom(request):
    given_name = request.POST.get("given_name", "")  # noqa: F841 - must not reach the report
    raise RuntimeError("something broke")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", _boom), path("fine/", _fine)]


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("ops", "ops@example.org")]
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_email_carries_no_submitted_value(admins):
    client = Client(raise_request_exception=False)
    response = client.post("/boom/?name=Sokha+Chann", {"given_name": SECRET_NAME})
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "/boom/" in message.subject
    text = message.body + "".join(str(a) for a in message.alternatives)
    assert "given_name" in text  # the field's name is useful, its value is not
    assert "RuntimeError" in text
    assert "Sokha" not in text
    assert "Chann" not in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_server_error_page_shows_no_data(admins):
    client = Client(raise_request_exception=False)
    response = client.post("/boom/", {"given_name": SECRET_NAME})
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sokha" not in html and "RuntimeError" not in html
    assert "What to do next" in html


@pytest.mark.django_db
def test_not_found_on_a_case_url_sends_no_email_and_logs_only_the_path(
    admins, caplog, login, director
):
    client = login(director)
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get("/cases/TD-2011-0042/?q=Sokha+Chann")
    assert response.status_code == 404
    assert mail.outbox == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Sokha" not in logged
    # The page body echoes nothing of the address (the layout's language switch
    # sends the user back to the address they typed, on their own screen only).
    main = re.search(r"<main.*</main>", response.content.decode(), flags=re.S).group(0)
    assert "Sokha" not in main and "TD-2011-0042" not in main
    assert "What to do next" in main


def test_logging_has_no_handler_that_writes_requests():
    from django.conf import settings

    handlers = settings.LOGGING.get("handlers", {})
    for name, handler in handlers.items():
        # Only plain stream handlers: no file or HTTP handler that could ship
        # request bodies elsewhere, and nothing logs at DEBUG for requests.
        assert handler["class"] == "logging.StreamHandler", name
    loggers = settings.LOGGING.get("loggers", {})
    assert loggers.get("django.request", {}).get("level", "WARNING") != "DEBUG"
    assert settings.DEFAULT_EXCEPTION_REPORTER == "smf.error_reports.NoDataExceptionReporter"
