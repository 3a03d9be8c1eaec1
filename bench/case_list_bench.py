"""Benchmark of the case list: a social worker's /cases/ against the director's, per filter.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases \\
        .venv/bin/python bench/case_list_bench.py --cases 26000

Fills a fresh database (created and dropped by Django's test machinery) with
`--cases` cases (26,000 by default: 100 x the demo's volume) spread over three
centers: stays open, reintegrated, left, and transfers between centers (two
stays); a few cases registered but not admitted yet; vocational training;
legal cases; every case assigned to one of the social workers of its center.
The social worker who looks works at Tom Dy: she sees a third of the cases
(`id IN (stays at Tom Dy) OR assigned to her OR registered by her`), the
director sees every case with no access filter at all. Both are logged in as
after their second factor (the director's role must have one), so that the
two-factor rule costs them alike.

Then, for each variant of the list (no filter, each filter, a sort, a later
page, the CSV export), it times whole requests through Django's test client
(URL routing, middleware, session, access rules, queries, template), the
server's time without network or browser, interleaved: director, social
worker, director, social worker ... `--runs` times each, so that any drift of
the machine touches both alike. Printed per variant: median and best of each,
and the ratio social worker / director of the medians, flagged when over 2.0.
The director's time, same run, is the floor: what the page costs without any
access rule. Last, the plan of the social worker's COUNT for one variant
(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), to show that
her access rule is one hashed subquery, not one probe of the stays per case.

Plain Python: no farm tool, no pytest. `--scale N` (from bench/run.py) means
N x 260 cases.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")

GIVEN = ["Srey", "Dara", "Sophea", "Channary", "ស្រីមុំ", "ស្រីពៅ", "Bopha", "Kanha"]
FAMILY = ["Chan", "Sok", "Kim", "Heng", "សុខ", "ចាន់", "Meas", "Touch"]
CENTERS = (("TD", "Tom Dy"), ("SR", "Siem Reap"), ("KC", "Kampong Cham"))
SOCIAL_WORKERS_PER_CENTER = 3
RATIO_LIMIT = 2.0

# (key, label, path name, query string). The director and the social worker
# request exactly the same URL. A "q" is not sent in the address (the list would
# refuse it): each client posts it once, and its variant is timed with the
# session's `search` key instead (see _search_params).
VARIANTS = [
    ("all", "no filter", "caseload:list", {}),
    ("code", "search by code prefix", "caseload:list", {"q": "TD-2015"}),
    ("name", "search by full name", "caseload:list", {"q": "ស្រីមុំ សុខ"}),
    ("in_center", "status: in a center", "caseload:list", {"status": "in_center"}),
    ("status_reint", "status: reintegrated", "caseload:list", {"status": "reintegrated"}),
    ("center", "center Tom Dy", "caseload:list", {"center": "{TD}"}),
    ("year", "intake year 2015", "caseload:list", {"intake_year": "2015"}),
    ("type", "exploitation type labour", "caseload:list", {"exploitation_type": "labour"}),
    ("training", "in vocational training", "caseload:list", {"in_training": "on"}),
    ("reint_flag", "reintegrated (flag)", "caseload:list", {"reintegrated": "on"}),
    ("sort_center", "sorted by current center", "caseload:list", {"sort": "center"}),
    ("page10", "page 10", "caseload:list", {"page": "10"}),
    ("export", "CSV export, no filter", "caseload:export", {}),
]


def fill(n_cases: int, seed: int = 11):
    """Cases, stays, trainings and legal cases; returns the staff who will look."""
    from django.contrib.auth.models import User

    from cases.models import Case, LegalCase
    from cases.services import case_set_names
    from shelters.models import Shelter, Stay, VocationalTraining
    from shelters.services import center_staff_set
    from smf.staff.roles import Role
    from smf.staff.services import staff_create

    rng = random.Random(seed)
    centers = [
        Shelter.objects.get_or_create(code=code, defaults={"name": name, "province": name})[0]
        for code, name in CENTERS
    ]
    director = staff_create(username="bench_dir", password="x", roles=[Role.DIRECTOR])
    # Three social workers per center; bench_sw (the first at Tom Dy) is the one who looks.
    workers: dict[int, list[User]] = {}
    for center in centers:
        workers[center.pk] = []
        for n in range(SOCIAL_WORKERS_PER_CENTER):
            name = "bench_sw" if (center.code, n) == ("TD", 0) else f"sw_{center.code}_{n}"
            user = staff_create(username=name, password="x", roles=[Role.SOCIAL_WORKER])
            center_staff_set(user=user, centers=[center])
            workers[center.pk].append(user)
    social_worker = workers[centers[0].pk][0]

    today = date.today()
    first = date(2008, 1, 1)
    span = (today - timedelta(days=14) - first).days
    cases, plans = [], []
    for i in range(n_cases):
        center = centers[i % 3]
        intake = first + timedelta(days=rng.randrange(span))
        # The social worker in charge; now and then one at another center
        # (she followed the case after a transfer).
        home = center if rng.random() > 0.03 else rng.choice(centers)
        case = Case(
            code=f"{center.code}-{intake.year}-{i:05d}",
            intake_date=intake,
            birth_year=rng.randint(1980, 2010),
            nationality="Cambodian" if rng.random() < 0.85 else "Vietnamese",
            referral_source=rng.choice(Case.ReferralSource.values),
            exploitation_type=rng.choice(Case.ExploitationType.values),
            phone=f"0{rng.randint(10000000, 99999999)}",
            assigned_social_worker=rng.choice(workers[home.pk]),
            created_by=rng.choice(workers[center.pk]),
        )
        case_set_names(case, given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY))
        cases.append(case)
        plans.append(center)
    Case.objects.bulk_create(cases, batch_size=2000)
    ids = dict(Case.objects.values_list("code", "id"))

    stays, trainings, legal = [], [], []
    for case, center in zip(cases, plans, strict=True):
        case_id = ids[case.code]
        if case.intake_date > today - timedelta(days=60) and rng.random() < 0.3:
            continue  # registered, not admitted yet
        admitted = case.intake_date
        stay_center = center
        left = None
        # A stay of three to twenty months; 8 % go on to a second center.
        while True:
            ends = admitted + timedelta(days=rng.randint(90, 600))
            if ends >= today:
                stays.append(Stay(case_id=case_id, shelter=stay_center, admitted_on=admitted))
                left = None
                break
            if rng.random() < 0.08 and stay_center is center:
                stays.append(
                    Stay(
                        case_id=case_id,
                        shelter=stay_center,
                        admitted_on=admitted,
                        left_on=ends,
                        exit_reason=Stay.ExitReason.TRANSFERRED,
                    )
                )
                stay_center = rng.choice([c for c in centers if c is not center])
                admitted = ends
                continue
            roll = rng.random()
            reason = (
                Stay.ExitReason.REINTEGRATED
                if roll < 0.65
                else Stay.ExitReason.FAMILY
                if roll < 0.8
                else Stay.ExitReason.LEFT
            )
            stays.append(
                Stay(
                    case_id=case_id,
                    shelter=stay_center,
                    admitted_on=admitted,
                    left_on=ends,
                    exit_reason=reason,
                )
            )
            left = ends
            break
        if rng.random() < 0.4:
            started = case.intake_date + timedelta(days=30)
            if started < today:
                trainings.append(
                    VocationalTraining(
                        case_id=case_id,
                        trade=rng.choice(VocationalTraining.Trade.values),
                        started_on=started,
                        completed_on=None if left is None else max(left, started),
                    )
                )
        if rng.random() < 0.1:
            legal.append(
                LegalCase(case_id=case_id, reference=f"B-{case.code}", opened_on=case.intake_date)
            )
    Stay.objects.bulk_create(stays, batch_size=5000)
    VocationalTraining.objects.bulk_create(trainings, batch_size=5000)
    LegalCase.objects.bulk_create(legal, batch_size=5000)
    return social_worker, director, {c.code: c for c in centers}


def _params(params: dict, centers) -> dict:
    return {k: v.format(**{c: s.pk for c, s in centers.items()}) for k, v in params.items()}


def _search_params(client, params: dict) -> dict:
    """The address of a search, as the search box makes it: post the text, read
    the opaque key from the redirect."""
    from urllib.parse import parse_qs, urlsplit

    from django.urls import reverse

    if "q" not in params:
        return params
    response = client.post(reverse("caseload:list"), {"q": params["q"]})
    assert response.status_code == 302, response.status_code
    search = parse_qs(urlsplit(response["Location"]).query)["search"][0]
    return {**{k: v for k, v in params.items() if k != "q"}, "search": search}


def _verified_login(client, user) -> None:
    """Log `user` in as after a password and a code (smf.staff.twofactor: the
    session holds django-otp's device id), as tests/conftest.py does: the
    director must have a second factor, and both sessions then take the same
    path through SecondFactorMiddleware, which loads no device for it."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = "otp_totp.totpdevice/bench"
    session.save()


def _filters(params: dict):
    from shelters.forms import CaseListForm

    form = CaseListForm({k: v for k, v in params.items() if k != "page"})
    return form.filters()


def _time(client, url, params) -> float:
    t0 = time.perf_counter()
    response = client.get(url, params)
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 - the body is part of the request's cost
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (url, params, response.status_code)
    return elapsed


def _explain(user, params: dict) -> None:
    """The plan of the user's COUNT for one variant (the paginator's query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shelters.selectors import _case_list_ordered

    qs = _case_list_ordered(user=user, filters=_filters(params)).values_list("pk", flat=True)
    with CaptureQueriesContext(connection) as captured:
        qs.count()
    sql = captured.captured_queries[-1]["sql"]
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    print(sql)
    if connection.vendor == "postgresql":
        plan = "\n".join(r[0] for r in rows)
        print(plan)
        loops = [int(n) for n in re.findall(r"loops=(\d+)", plan)]
        probes = [line.strip() for line in plan.splitlines() if re.search(r"loops=\d{3,}", line)]
        print(f"largest loops= of any plan node: {max(loops, default=0)}")
        if probes:
            print("PER-ROW PROBES (nodes run 100 times or more):")
            for line in probes:
                print("  " + line)
        else:
            print("no per-row probe: every node runs fewer than 100 times")
    else:
        for row in rows:
            print(" ", row[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=26_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scale", type=int, default=None, help="N x 260 cases (bench/run.py)")
    parser.add_argument(
        "--explain",
        default="worst",
        help="variant whose social worker's COUNT is explained: a key "
        f"({', '.join(k for k, *_ in VARIANTS if k != 'export')}) or 'worst' (highest ratio)",
    )
    parser.add_argument("--only", default="", help="comma-separated variant keys to time")
    parser.add_argument(
        "--keepdb",
        action="store_true",
        help="keep the test database after the run and reuse its data next time",
    )
    args, _unknown = parser.parse_known_args()
    n_cases = args.scale * 260 if args.scale else args.cases

    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # the audit's INFO lines (grants, exports) on the console
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import get_runner
    from django.urls import reverse

    from shelters.selectors import case_list

    # No setup_test_environment(): its template instrumentation copies the
    # context at every render, a cost the real server does not pay.
    settings.ALLOWED_HOSTS = ["testserver"]
    runner = get_runner(django.conf.settings)(verbosity=0, interactive=False, keepdb=args.keepdb)
    old = runner.setup_databases(serialized_aliases=set())  # nothing to restore
    over = []
    try:
        from django.contrib.auth.models import User

        from cases.models import Case
        from shelters.models import Shelter

        started = time.perf_counter()
        if args.keepdb and User.objects.filter(username="bench_sw").exists():
            social_worker = User.objects.get(username="bench_sw")
            director = User.objects.get(username="bench_dir")
            centers = {c.code: c for c in Shelter.objects.all()}
            n_cases = Case.objects.count()
            made = "kept from an earlier run (--keepdb)"
        else:
            social_worker, director, centers = fill(n_cases)
            made = f"generated in {time.perf_counter() - started:.1f} s"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE")
        print(
            f"data: {n_cases} cases ({connection.vendor}), {made}; "
            f"{args.runs} runs per user and variant, interleaved director / social worker"
        )
        clients = {}
        for who, user in (("dir", director), ("sw", social_worker)):
            clients[who] = Client()
            _verified_login(clients[who], user)
            assert clients[who].get("/").status_code == 200  # warm the session
        variants = VARIANTS
        if args.only:
            variants = [v for v in VARIANTS if v[0] in args.only.split(",")]
        header = (
            f"{'variant':28s} {'rows dir':>8s} {'rows sw':>8s} "
            f"{'dir median':>10s} {'dir best':>9s} "
            f"{'sw median':>10s} {'sw best':>9s} {'sw/dir':>6s}"
        )
        print(header)
        results = {}
        for key, label, name, raw in variants:
            url, params = reverse(name), _params(raw, centers)
            filters = _filters(params)
            rows = {
                "dir": case_list(user=director, filters=filters).count(),
                "sw": case_list(user=social_worker, filters=filters).count(),
            }
            sent = {who: _search_params(clients[who], params) for who in ("dir", "sw")}
            for who in ("dir", "sw"):
                _time(clients[who], url, sent[who])  # warm this variant's plan and caches
            times = {"dir": [], "sw": []}
            for _ in range(args.runs):
                for who in ("dir", "sw"):
                    times[who].append(_time(clients[who], url, sent[who]))
            med = {who: statistics.median(t) for who, t in times.items()}
            best = {who: min(t) for who, t in times.items()}
            ratio = med["sw"] / med["dir"]
            results[key] = ratio
            flag = "  OVER 2x" if ratio > RATIO_LIMIT else ""
            if flag:
                over.append(label)
            print(
                f"{label:28s} {rows['dir']:8d} {rows['sw']:8d} "
                f"{med['dir'] * 1000:7.1f} ms {best['dir'] * 1000:6.1f} ms "
                f"{med['sw'] * 1000:7.1f} ms {best['sw'] * 1000:6.1f} ms {ratio:6.2f}{flag}",
                flush=True,
            )
        # Any page's cost on this machine right now (session, user, middleware,
        # base template): read the list against it.
        home = []
        for _ in range(args.runs):
            home.append(_time(clients["sw"], "/", {}))
        print(
            f"{'baseline: home page (sw)':28s} {'':8s} {'':8s} {'':10s} {'':9s} "
            f"{statistics.median(home) * 1000:7.1f} ms {min(home) * 1000:6.1f} ms"
        )
        verdict = f"OVER {RATIO_LIMIT:g}x: " + ", ".join(over) if over else "all within"
        print(f"social worker / director, medians: {verdict} (limit {RATIO_LIMIT:g}x)")

        explain = args.explain
        listed = {k: r for k, r in results.items() if k != "export"}
        if explain == "worst" and listed:
            explain = max(listed, key=listed.get)
        chosen = next((v for v in VARIANTS if v[0] == explain), None)
        if chosen is not None:
            print(f"\nplan of the social worker's COUNT, variant '{chosen[1]}':")
            _explain(social_worker, _params(chosen[3], centers))
    finally:
        runner.teardown_databases(old)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
