"""Benchmark of the case list while the login form is flooded with wrong passwords.

    .venv/bin/python bench/login_flood_bench.py                  # PostgreSQL, else SQLite
    .venv/bin/python bench/login_flood_bench.py --flooders 16 --rounds 5
    .venv/bin/python bench/login_flood_bench.py --spread 64     # 64 attacking addresses
    .venv/bin/python bench/login_flood_bench.py --database sqlite

Fills a throwaway database (PostgreSQL `bench_login_flood`, created and dropped
on the server of BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres; or a temporary SQLite file), starts
the application with gunicorn (`--workers`, 2 by default, sync workers as in the
Dockerfile) on a free port of 127.0.0.1 with production settings (DEBUG off,
Argon2, throwaway keys, static files collected into a temporary folder; plain
HTTP), and signs a social worker in through the login form: her password,
then the code of her authenticator app (computed with pyotp), so that her
session is a verified one (smf.staff.twofactor). Then it measures
the throughput of her case list (/cases/, requests per second over
`--seconds`, by `--readers` clients one request after another), `--rounds`
times in turn (so that the machine's drift touches both alike):

1. alone;
2. while `--flooders` clients post wrong passwords to /login/ as fast as the
   server answers them, half for random usernames, half for her own username.

It prints both figures per round, the medians and the median ratio (target: at
least 0.5), what the flood got back (200: the login form again, 429: the
lockout page), and the audit lines it left. The flood comes from one address
(127.0.0.1), as from one attacker's machine: after LOGIN_FAILURE_LIMIT failures
the address and her username are locked, and every further attempt is refused
before any password is hashed (from the cache, without a query, once the lock
is known). `--spread N` instead gives the flooders N client addresses, forged
in X-Forwarded-For (the server then runs with BEHIND_PROXY=1; the connections
still go to 127.0.0.1): each address gets its first failures checked, with
Argon2, before its own lock.

Every request goes to 127.0.0.1 only; every loop stops after `--seconds` (plus
a short warm-up) or `--max-requests`, whichever comes first; the server is
stopped and the database dropped at the end. Plain Python: no farm tool, no
pytest. Unknown options (bench/run.py's --scale) are ignored.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # the only address this bench ever connects to
BENCH_DB = "bench_login_flood"
USERNAME = "bench_sw"
TARGET_RATIO = 0.5
WARM_UP_SECONDS = 2.0


# --- the throwaway database ----------------------------------------------------------


def postgres_admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(postgres_admin_url(), connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means: use SQLite
        return False


def postgres_database(action: str) -> str:
    """Create (dropping any leftover) or drop the bench database; its URL."""
    import psycopg2

    admin = urllib.parse.urlsplit(postgres_admin_url())
    conn = psycopg2.connect(postgres_admin_url(), connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if action == "create":
            cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    conn.close()
    return urllib.parse.urlunsplit(admin._replace(path=f"/{BENCH_DB}"))


def fill(n_cases: int, password: str, totp_secret: str) -> None:
    """Migrate, then one center with `n_cases` residents and the social worker
    who looks, with an authenticator app (`totp_secret`): she signs in with a
    password and a code, and her login is then a verified one."""
    import django

    sys.path.insert(0, os.environ["PYTHONPATH"].split(os.pathsep)[0])
    django.setup()
    import logging

    logging.disable(logging.INFO)
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)

    from cases.models import Case
    from cases.services import case_set_names
    from shelters.models import Shelter, Stay
    from shelters.services import center_staff_set
    from smf.staff.roles import Role
    from smf.staff.services import staff_create
    from smf.staff.twofactor import totp_enrol

    rng = random.Random(7)
    center = Shelter.objects.create(code="TD", name="Tom Dy", province="Phnom Penh", capacity=200)
    user = staff_create(username=USERNAME, password=password, roles=[Role.SOCIAL_WORKER])
    center_staff_set(user=user, centers=[center])
    totp_enrol(user, secret=totp_secret)
    cases = []
    for i in range(n_cases):
        intake = date(2009, 1, 1) + timedelta(days=rng.randrange(5000))
        case = Case(
            code=f"TD-{intake.year}-{i:05d}",
            intake_date=intake,
            birth_year=rng.randint(1985, 2008),
            nationality="Cambodian",
            referral_source=rng.choice(Case.ReferralSource.values),
            exploitation_type=rng.choice(Case.ExploitationType.values),
            assigned_social_worker=user,
            created_by=user,
        )
        case_set_names(case, given_name=rng.choice(["Srey", "Dara"]), family_name="Sok")
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=1000)
    Stay.objects.bulk_create(
        [
            Stay(case=case, shelter=center, admitted_on=case.intake_date)
            for case in Case.objects.all()
        ],
        batch_size=1000,
    )
    connections.close_all()


def production_env(workdir: Path, database_url: str, *, behind_proxy: bool) -> dict:
    """The environment of a production server (DEBUG off, Argon2, throwaway
    keys), but plain HTTP on loopback, and static files collected into
    `workdir` (a settings module there says so)."""
    from cryptography.fernet import Fernet

    (workdir / "bench_settings.py").write_text(
        f"from smf.settings import *  # noqa: F403\nSTATIC_ROOT = {str(workdir / 'static')!r}\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
            "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "BEHIND_PROXY": "1" if behind_proxy else "0",
        }
    )
    return env


# --- HTTP on 127.0.0.1 -----------------------------------------------------------------


class Browser:
    """Cookies and one request at a time, a new connection each (gunicorn's sync
    workers close every connection after its response)."""

    def __init__(self, port: int, forwarded_for: str | None = None):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.forwarded_for = forwarded_for

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for key, morsel in SimpleCookie(value).items():
                        if morsel.value:
                            self.cookies[key] = morsel.value
                        else:
                            self.cookies.pop(key, None)
            return response.status, data
        finally:
            conn.close()

    def csrf_token(self) -> str:
        status, page = self.request("GET", "/login/")
        assert status == 200, status
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()

    def log_in(self, username: str, password: str, token: str | None = None) -> int:
        """The sign-in's first step, the password (what the flood posts): 200
        with the form again for a wrong one, 429 while locked; for a right one
        302, or 200 with the code step for a user with an authenticator app."""
        return self._log_in(username, password, token)[0]

    def sign_in(self, username: str, password: str, totp_secret: str) -> int:
        """Both steps of the sign-in: the password, then the code of the
        authenticator app (smf.staff.twofactor); 302 when she is in."""
        import pyotp

        token = self.csrf_token()
        status, page = self._log_in(username, password, token)
        if status != 200 or b'name="token-otp_token"' not in page:
            return status
        form = {
            "login_view-current_step": "token",
            "token-otp_token": pyotp.TOTP(totp_secret).now(),
            "csrfmiddlewaretoken": token,
        }
        status, _ = self.request("POST", "/login/", form)
        return status

    def _log_in(self, username: str, password: str, token: str | None):
        token = token or self.csrf_token()
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        return self.request("POST", "/login/", form)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict, workers: int, log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "smf.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: see {log.name}")
        try:
            status, _ = Browser(port).request("GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # our own gunicorn and its workers
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


# --- the two kinds of client ------------------------------------------------------------


def read_case_list(browser: Browser, deadline: float, max_requests: int, out: dict) -> None:
    """Her case list, one request after another, until the deadline."""
    times, errors = [], 0
    while time.monotonic() < deadline and len(times) + errors < max_requests:
        started = time.perf_counter()
        status, page = browser.request("GET", "/cases/")
        if status == 200 and b"TD-" in page:
            times.append(time.perf_counter() - started)
        else:
            errors += 1
    out.setdefault("times", []).extend(times)
    out["errors"] = out.get("errors", 0) + errors


def flood(
    port: int,
    index: int,
    stop: threading.Event,
    deadline: float,
    max_requests: int,
    spread: int,
    out: dict,
) -> None:
    """Wrong passwords as fast as they are answered: even requests for her
    username, odd ones for a random one."""
    rng = random.Random(index)
    browser = Browser(port)
    token = browser.csrf_token()
    statuses: dict[int, int] = {}
    sent = 0
    while not stop.is_set() and time.monotonic() < deadline and sent < max_requests:
        username = USERNAME if sent % 2 == 0 else f"user{rng.randrange(10**9)}"
        if spread:
            n = rng.randrange(spread)
            browser.forwarded_for = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        status = browser.log_in(username, secrets.token_urlsafe(12), token)
        statuses[status] = statuses.get(status, 0) + 1
        sent += 1
    with out["lock"]:
        for status, count in statuses.items():
            out["statuses"][status] = out["statuses"].get(status, 0) + count


def measure(port: int, session: dict, readers: int, seconds: float, max_requests: int) -> dict:
    """`readers` clients read the case list for `seconds` after a short warm-up."""
    warm = {}
    read_case_list(_reader(port, session), time.monotonic() + WARM_UP_SECONDS, 1000, warm)
    results: list[dict] = [{} for _ in range(readers)]
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    cpu = time.process_time()  # this process: the load generator, not the server
    threads = [
        threading.Thread(
            target=read_case_list,
            args=(_reader(port, session), deadline, max_requests, results[i]),
        )
        for i in range(readers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    times = [t for r in results for t in r.get("times", [])]
    return {
        "client_cpu": (time.process_time() - cpu) / elapsed,
        "rps": len(times) / elapsed,
        "requests": len(times),
        "errors": sum(r.get("errors", 0) for r in results),
        "median": statistics.median(times) if times else float("nan"),
        "p95": statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else float("nan"),
    }


def measure_under_flood(port: int, session: dict, args, seconds: float):
    """Start the flooders, let them lock what they lock, measure, stop them."""
    stop = threading.Event()
    out = {"lock": threading.Lock(), "statuses": {}}
    deadline = time.monotonic() + WARM_UP_SECONDS * 2 + seconds + 30
    flooders = [
        threading.Thread(
            target=flood,
            args=(port, i, stop, deadline, args.max_requests, args.spread, out),
        )
        for i in range(args.flooders)
    ]
    started = time.monotonic()
    for thread in flooders:
        thread.start()
    time.sleep(WARM_UP_SECONDS)
    under = measure(port, session, args.readers, seconds, args.max_requests)
    stop.set()
    for thread in flooders:
        thread.join(timeout=120)
    return under, out["statuses"], time.monotonic() - started


def _figures(result: dict) -> str:
    return (
        f"{result['rps']:.1f} req/s (median {result['median'] * 1000:.0f} ms, "
        f"p95 {result['p95'] * 1000:.0f} ms, bench client {result['client_cpu']:.0%} of a core)"
    )


def _ratio(alone: dict, under: dict) -> float:
    return under["rps"] / alone["rps"] if alone["rps"] else 0.0


def _reader(port: int, session: dict) -> Browser:
    browser = Browser(port)
    browser.cookies = dict(session)
    return browser


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("auto", "postgres", "sqlite"), default="auto")
    parser.add_argument("--cases", type=int, default=600, help="residents of her center")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--readers", type=int, default=2, help="clients reading the case list")
    parser.add_argument("--flooders", type=int, default=8, help="clients posting wrong passwords")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measurement")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per client")
    parser.add_argument("--rounds", type=int, default=3, help="alone / under flood, in turn")
    parser.add_argument("--spread", type=int, default=0, help="forged client addresses")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args, _unknown = parser.parse_known_args()
    seconds = min(max(args.seconds, 1.0), 300.0)
    args.rounds = min(max(args.rounds, 1), 10)

    backend = args.database
    if backend == "auto":
        backend = "postgres" if postgres_available() else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="login_flood_"))
    if backend == "postgres":
        database_url = postgres_database("create")
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    password = secrets.token_urlsafe(18)
    totp_secret = base64.b32encode(secrets.token_bytes(20)).decode()
    env = production_env(workdir, database_url, behind_proxy=bool(args.spread))
    os.environ.update(env)
    server = None
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    try:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        collected = time.perf_counter() - started
        fill(args.cases, password, totp_secret)
        print(
            f"database: {backend}, {args.cases} cases at her center, migrated and filled in "
            f"{time.perf_counter() - started - collected:.1f} s (static files: {collected:.1f} s)"
        )
        port = free_port()
        server = start_server(port, env, args.workers, log)
        print(
            f"server: gunicorn, {args.workers} sync workers, http://{HOST}:{port}; "
            f"{args.readers} case-list clients, {args.flooders} flooders"
            + (f" from {args.spread} forged addresses" if args.spread else " from one address")
            + f"; {args.rounds} rounds of {seconds:g} s alone, then {seconds:g} s under flood"
        )

        me = Browser(port)
        signed_in = me.sign_in(USERNAME, password, totp_secret)
        assert signed_in == 302, f"the social worker could not sign in: {signed_in}"
        session = dict(me.cookies)

        rounds = []
        statuses: dict[int, int] = {}
        flood_seconds = 0.0
        for number in range(1, args.rounds + 1):
            alone = measure(port, session, args.readers, seconds, args.max_requests)
            under, out, spent = measure_under_flood(port, session, args, seconds)
            flood_seconds += spent
            for status, count in out.items():
                statuses[status] = statuses.get(status, 0) + count
            rounds.append((alone, under))
            print(
                f"round {number}: alone {_figures(alone)}; under flood {_figures(under)}; "
                f"ratio {_ratio(alone, under):.2f}",
                flush=True,
            )
        attempts = sum(statuses.values())
        print(
            f"flood: {attempts} wrong passwords in {flood_seconds:.1f} s "
            f"({attempts / flood_seconds:.0f}/s); answers "
            + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        )
        # Her session survived; her username is locked for a new log-in.
        status, _ = _reader(port, session).request("GET", "/cases/")
        relogin = Browser(port).log_in(USERNAME, password)
        print(f"after the flood: her session's case list {status}, a new log-in as her {relogin}")

        from django.db import connections
        from django.db.models import Count

        from smf.staff.models import AuditLog

        counts = dict(
            AuditLog.objects.filter(action__startswith="login")
            .values_list("action")
            .annotate(n=Count("id"))
        )
        print("audit lines: " + ", ".join(f"{a} {n}" for a, n in sorted(counts.items())))
        connections.close_all()

        alone_rps = statistics.median(a["rps"] for a, _ in rounds)
        under_rps = statistics.median(u["rps"] for _, u in rounds)
        ratio = statistics.median(_ratio(a, u) for a, u in rounds)
        errors = sum(a["errors"] + u["errors"] for a, u in rounds)
        verdict = "met" if ratio >= TARGET_RATIO else "NOT MET"
        print(
            f"case list, medians of {len(rounds)} rounds: alone {alone_rps:.1f} req/s, "
            f"under flood {under_rps:.1f} req/s; ratio under flood / alone {ratio:.2f} "
            f"(target {TARGET_RATIO:g}: {verdict}); {errors} errors"
        )
        return 0 if ratio >= TARGET_RATIO and not errors else 1
    finally:
        if server is not None:
            stop_server(server)
        log.close()
        if not args.keep:
            if backend == "postgres":
                from django.db import connections

                connections.close_all()
                postgres_database("drop")
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {database_url}, server log {workdir / 'gunicorn.log'}")


if __name__ == "__main__":
    sys.exit(main())
