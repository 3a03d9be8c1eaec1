"""Time the bulk import of 100,000 rows on SQLite and on PostgreSQL.

    .venv/bin/python bench/import_bench.py            # both databases
    .venv/bin/python bench/import_bench.py sqlite     # one of them

Each database is a throwaway: a temporary SQLite file, or a PostgreSQL database
named bench_import (created, then dropped) on the server of BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/postgres). Each run is a child
process, so Django is set up once per database.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "bench_import"

# Rows per file: 100,000 in all, shaped like a large organisation's history.
SIZES = {
    "shelters.csv": 5,
    "venues.csv": 200,
    "cases.csv": 5_000,
    "stays.csv": 6_000,
    "education.csv": 4_000,
    "vocational_training.csv": 3_000,
    "internships.csv": 1_000,
    "reintegration_support.csv": 2_000,
    "followups.csv": 8_000,
    "legal_cases.csv": 300,
    "outreach_visits.csv": 60_000,
    "clinic_visits.csv": 10_000,
    "meetings.csv": 200,
    "events.csv": 100,
    "disbursements.csv": 195,
}


def day(rng: random.Random, start: date = date(2005, 1, 1), span: int = 365 * 8) -> date:
    return start + timedelta(days=rng.randrange(span))


def generate(folder: Path, seed: int = 2012) -> int:
    """Write the 15 files into `folder`; returns the number of rows."""
    rng = random.Random(seed)
    cases = [f"B-{i:06d}" for i in range(SIZES["cases.csv"])]
    intake = {c: day(rng) for c in cases}
    rows: dict[str, tuple[list[str], list[list]]] = {}
    rows["shelters.csv"] = (
        ["code", "name", "province", "capacity"],
        [[f"S{i}", f"Center {i}", "Phnom Penh", 100] for i in range(SIZES["shelters.csv"])],
    )
    rows["venues.csv"] = (
        ["code", "name", "kind", "province"],
        [[f"V{i:04d}", f"Venue {i}", "karaoke", "Phnom Penh"] for i in range(SIZES["venues.csv"])],
    )
    rows["cases.csv"] = (
        ["case_code", "given_name", "family_name", "sex", "birth_year", "intake_date"],
        [
            [c, f"Given{i}", f"Family{i}", "female", 1990 + i % 15, intake[c]]
            for i, c in enumerate(cases)
        ],
    )
    # Every case one closed stay; 1,000 of them a second, still open, stay.
    stays = []
    for i, c in enumerate(cases):
        admitted = intake[c] + timedelta(days=2)
        left = admitted + timedelta(days=200 + i % 300)
        stays.append([c, f"S{i % 5}", admitted, left, "reintegrated" if i % 3 else "transferred"])
        if i < SIZES["stays.csv"] - len(cases):
            stays.append([c, f"S{(i + 1) % 5}", left + timedelta(days=1), "", ""])
    rows["stays.csv"] = (
        ["case_code", "shelter_code", "admitted_on", "left_on", "exit_reason"],
        stays,
    )

    def per_case(filename, header, make):
        rows[filename] = (header, [make(cases[i % len(cases)]) for i in range(SIZES[filename])])

    per_case(
        "education.csv", ["case_code", "course", "started_on"], lambda c: [c, "basic", intake[c]]
    )
    per_case(
        "vocational_training.csv",
        ["case_code", "trade", "started_on", "completed_on"],
        lambda c: [c, "sewing", intake[c], intake[c] + timedelta(days=120)],
    )
    per_case(
        "internships.csv",
        ["case_code", "employer", "started_on"],
        lambda c: [c, "Hotel", intake[c]],
    )
    per_case(
        "reintegration_support.csv",
        ["case_code", "kind", "given_on", "value_usd"],
        lambda c: [c, "startup_kit", intake[c] + timedelta(days=300), "700.00"],
    )
    per_case(
        "followups.csv",
        ["case_code", "due_on", "visited_on", "visitor_role", "outcome"],
        lambda c: [
            c,
            intake[c] + timedelta(days=400),
            intake[c] + timedelta(days=402),
            "social_worker",
            "stable",
        ],
    )
    rows["legal_cases.csv"] = (
        ["reference", "case_code", "opened_on", "outcome"],
        [
            [f"PP-{i}", cases[i], intake[cases[i]], "pending"]
            for i in range(SIZES["legal_cases.csv"])
        ],
    )
    rows["outreach_visits.csv"] = (
        ["venue_code", "visited_on", "contacts", "clients_educated", "condoms", "soaps"],
        [
            [
                f"V{rng.randrange(200):04d}",
                day(rng),
                rng.randrange(40),
                rng.randrange(5),
                rng.randrange(500),
                rng.randrange(20),
            ]
            for _ in range(SIZES["outreach_visits.csv"])
        ],
    )
    rows["clinic_visits.csv"] = (
        ["client_code", "visited_on", "service", "std_test", "enrolled_case_code"],
        [
            [
                f"K{rng.randrange(4000):05d}",
                day(rng),
                "consultation",
                "yes" if i % 3 else "no",
                cases[i] if i < 100 else "",
            ]
            for i in range(SIZES["clinic_visits.csv"])
        ],
    )
    rows["meetings.csv"] = (
        ["held_on", "counterpart", "title", "agreement_reached"],
        [[day(rng), "government", f"Meeting {i}", "no"] for i in range(SIZES["meetings.csv"])],
    )
    rows["events.csv"] = (
        ["held_on", "title", "participants"],
        [[day(rng), f"Event {i}", 100] for i in range(SIZES["events.csv"])],
    )
    rows["disbursements.csv"] = (
        ["given_on", "recipient", "region", "amount_usd"],
        [
            [day(rng), f"Partner {i}", "southeast_asia", "1000.00"]
            for i in range(SIZES["disbursements.csv"])
        ],
    )
    total = 0
    for filename, (header, lines) in rows.items():
        assert len(lines) == SIZES[filename], filename
        with open(folder / filename, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(lines)
        total += len(lines)
    return total


def run_child(backend: str) -> None:
    """In a child process whose DATABASE_URL is the throwaway database."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from reports.importing import files_from_folder, records_import, records_validate

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rows = generate(Path(folder))
        files = files_from_folder(folder)
        generated = time.perf_counter() - started

        started = time.perf_counter()
        plan = records_validate(files=files)
        validated = time.perf_counter() - started
        assert not plan.errors, plan.errors[:5]

        started, cpu = time.perf_counter(), time.process_time()
        result = records_import(files=files)
        imported, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.rows == rows
    connection.close()
    print(
        f"| {backend} | {rows:,} | {generated:.1f} s | {validated:.1f} s "
        f"| {imported:.1f} s | {imported_cpu:.1f} s |",
        flush=True,
    )


def child(backend: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "smf.settings"}
    env.pop("REDIS_URL", None)  # no broker needed: the import runs in-process
    subprocess.run([sys.executable, __file__, "--child", backend], env=env, check=True, cwd=ROOT)


def postgres_admin(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(PG_SERVER)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def main(backends: list[str]) -> None:
    print(
        "| database | rows | generate CSV | validate only | validate + import "
        "| of which CPU in this process |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            child("sqlite", f"sqlite:///{folder}/bench.sqlite3")
    if "postgres" in backends:
        server = PG_SERVER.rsplit("/", 1)[0]
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        postgres_admin(f"CREATE DATABASE {PG_DATABASE}")
        try:
            child("postgres", f"{server}/{PG_DATABASE}")
        finally:
            postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        main(sys.argv[1:] or ["sqlite", "postgres"])
