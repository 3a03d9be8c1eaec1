"""The bulk import against PostgreSQL's COPY of the same files, and its memory.

    .venv/bin/python bench/import_bench.py                 # 100,000 rows and 1.5 million
    .venv/bin/python bench/import_bench.py --scale 1       # 100,000 rows only
    .venv/bin/python bench/import_bench.py --bomb          # a 2 MB zip that unpacks to 500 MB
    .venv/bin/python bench/import_bench.py --sqlite        # also on SQLite (no floor there)

The files are generated once per scale (SIZES rows at scale 1; scale 15 is
the 1.5 million rows the issue measured the old importer at). Each
measurement is a child process on a throwaway PostgreSQL database (server of
BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres),
so its peak memory (ru_maxrss) is the import's own. The floor is COPY of the
same CSV files into tables of text columns, one COPY per file, in one
transaction: the database's own load speed with no parsing, checking,
reference lookups or encryption. The schema floor is the database's own time
to load exactly the rows an import wrote into the real tables (indexes,
checks, foreign keys, triggers), by COPY of their dump (`schema_floor`).
Floors and import alternate, `--runs` times each, so all see the same machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
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


def generate(folder: Path, seed: int = 2012, scale: int = 1) -> int:
    """Write the 15 files into `folder`, SIZES times `scale` (centers and venues
    excepted); returns the number of rows."""
    rng = random.Random(seed)
    sizes = {
        name: n if name in ("shelters.csv", "venues.csv") else n * scale
        for name, n in SIZES.items()
    }
    cases = [f"B-{i:06d}" for i in range(sizes["cases.csv"])]
    intake = {c: day(rng) for c in cases}
    rows: dict[str, tuple[list[str], list[list]]] = {}
    rows["shelters.csv"] = (
        ["code", "name", "province", "capacity"],
        [[f"S{i}", f"Center {i}", "Phnom Penh", 100] for i in range(sizes["shelters.csv"])],
    )
    rows["venues.csv"] = (
        ["code", "name", "kind", "province"],
        [[f"V{i:04d}", f"Venue {i}", "karaoke", "Phnom Penh"] for i in range(sizes["venues.csv"])],
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
        if i < sizes["stays.csv"] - len(cases):
            stays.append([c, f"S{(i + 1) % 5}", left + timedelta(days=1), "", ""])
    rows["stays.csv"] = (
        ["case_code", "shelter_code", "admitted_on", "left_on", "exit_reason"],
        stays,
    )

    def per_case(filename, header, make):
        rows[filename] = (header, [make(cases[i % len(cases)]) for i in range(sizes[filename])])

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
            for i in range(sizes["legal_cases.csv"])
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
            for _ in range(sizes["outreach_visits.csv"])
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
            for i in range(sizes["clinic_visits.csv"])
        ],
    )
    rows["meetings.csv"] = (
        ["held_on", "counterpart", "title", "agreement_reached"],
        [[day(rng), "government", f"Meeting {i}", "no"] for i in range(sizes["meetings.csv"])],
    )
    rows["events.csv"] = (
        ["held_on", "title", "participants"],
        [[day(rng), f"Event {i}", 100] for i in range(sizes["events.csv"])],
    )
    rows["disbursements.csv"] = (
        ["given_on", "recipient", "region", "amount_usd"],
        [
            [day(rng), f"Partner {i}", "southeast_asia", "1000.00"]
            for i in range(sizes["disbursements.csv"])
        ],
    )
    total = 0
    for filename, (header, lines) in rows.items():
        assert len(lines) == sizes[filename], filename
        with open(folder / filename, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(lines)
        total += len(lines)
    return total


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries
    ru_maxrss over an exec, so a child would report its parent's peak (here the
    parent that generated the files)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(folder: str, mode: str) -> dict:
    """In a child process on the throwaway database: migrate, then import."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from smf.imports.archive import ImportRejected, source_from_path
    from smf.imports.validate import records_validate
    from smf.imports.write import records_import

    call_command("migrate", verbosity=0)
    # As in production: with DEBUG on, Django keeps the last 9,000 queries' SQL.
    settings.DEBUG = False
    before = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with source_from_path(folder) as source:
            if mode == "check":
                plan = records_validate(files=source)
                outcome, rows = ("refused" if plan.errors else "checked"), plan.rows
                errors = plan.errors[:3]
            else:
                rows = records_import(files=source).rows
                outcome, errors = "imported", []
    except ImportRejected as rejected:
        outcome, rows, errors = "refused", 0, rejected.errors[:3]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    if mode == "schema":
        return {"outcome": outcome, "rows": rows, **schema_floor()}
    return {
        "outcome": outcome,
        "rows": rows,
        "errors": errors,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": _peak_mb(),
        "after_setup_mb": before,
    }


def child_floor(folder: str) -> dict:
    """COPY of every CSV file into a table of text columns, one transaction."""
    import psycopg2

    connection = psycopg2.connect(os.environ["BENCH_DSN"])
    rows = 0
    started = time.perf_counter()
    with connection, connection.cursor() as cursor:
        for path in sorted(Path(folder).glob("*.csv")):
            with open(path, encoding="utf-8") as f:
                header = next(csv.reader(f))
            table = f"floor_{path.stem}"
            columns = ", ".join(f'"{c}" text' for c in header)
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            with open(path, encoding="utf-8") as f:
                cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER)", f)
            rows += cursor.rowcount
    seconds = time.perf_counter() - started
    connection.close()
    return {"outcome": "copied", "rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def schema_floor() -> dict:
    """After an import: the database's own time to load exactly the rows the
    import wrote into the real tables (their indexes, checks, foreign keys
    checked as each COPY loads, as the import does, and triggers), by COPY of
    the tables' own dump, in one transaction with its commit. No Python
    touches a row: what the import could at best come down to on this schema.
    (The audit lines are left out: their table refuses to be emptied.)"""
    import psycopg2

    from smf.imports.spec import files

    tables = [spec.model._meta.db_table for spec in files()]
    connection = psycopg2.connect(os.environ["BENCH_DSN"])
    rows = 0
    with tempfile.TemporaryDirectory() as scratch:
        dumps = []
        with connection, connection.cursor() as cursor:
            for table in tables:
                path = Path(scratch) / f"{table}.copy"
                with open(path, "w", encoding="utf-8") as f:
                    cursor.copy_expert(f'COPY "{table}" TO STDOUT', f)
                dumps.append((table, path))
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        started = time.perf_counter()
        with connection, connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, path in dumps:
                with open(path, encoding="utf-8") as f:
                    cursor.copy_expert(f'COPY "{table}" FROM STDIN', f)
                rows += cursor.rowcount
        seconds = time.perf_counter() - started
    connection.close()
    return {"schema_rows": rows, "schema_seconds": seconds}


def postgres_admin(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(PG_SERVER)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def measure(kind: str, folder: Path, backend: str = "postgres", mode: str = "import") -> dict:
    """One measurement in a child process, on a fresh database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smf.settings"}
    env.pop("REDIS_URL", None)  # no broker needed: the import runs in-process
    with tempfile.TemporaryDirectory() as scratch:
        if backend == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        else:
            server = PG_SERVER.rsplit("/", 1)[0]
            postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            postgres_admin(f"CREATE DATABASE {PG_DATABASE}")
            env["DATABASE_URL"] = env["BENCH_DSN"] = f"{server}/{PG_DATABASE}"
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(folder), mode],
                env=env,
                check=True,
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            if backend != "sqlite":
                postgres_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    return json.loads(out.strip().splitlines()[-1])


def bomb(folder: Path) -> Path:
    """A zip of 2 MB or so whose one file unpacks to 500 MB of valid rows."""
    line = b"V0001,2011-05-01,3,1,10,2\n"
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("outreach_visits.csv", "w", force_zip64=True) as entry:
            entry.write(b"venue_code,visited_on,contacts,clients_educated,condoms,soaps\n")
            block = line * (1024 * 1024 // len(line))
            for _ in range(500):
                entry.write(block)
        archive.writestr("venues.csv", "code,name,kind,province\nV0001,Venue,karaoke,Phnom Penh\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", help="1 = 100,000 rows")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--bomb", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    if args.bomb:
        with tempfile.TemporaryDirectory() as folder:
            path = bomb(Path(folder))
            packed = path.stat().st_size / 1e6
            print(f"archive: {packed:.1f} MB packed, 500 MB of rows unpacked")
            for label, extra in (
                ("default limits", {}),
                ("ratio limit lifted", {"IMPORT_MAX_RATIO": "100000"}),
            ):
                os.environ.update(extra)
                result = measure("import", path, mode="check")
                for key in extra:
                    del os.environ[key]
                print(
                    f"| check, {label} | {result['outcome']} | {result['seconds']:.1f} s "
                    f"| {result['peak_mb']:.0f} MB | {'; '.join(result['errors'])[:120]} |",
                    flush=True,
                )
        return
    print(
        "| rows | run | COPY floor | schema floor | import (check + write) | import / floor "
        "| import / schema floor | import rows/s | import peak memory |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scale in args.scale or [1, 15]:
        with tempfile.TemporaryDirectory() as folder:
            rows = generate(Path(folder), scale=scale)
            for run in range(1, args.runs + 1):
                floor = measure("floor", Path(folder))
                schema = measure("import", Path(folder), mode="schema")
                result = measure("import", Path(folder))
                assert result["outcome"] == "imported" and result["rows"] == rows, result
                assert floor["rows"] == rows == schema["schema_rows"], (floor, schema)
                at_best = schema["schema_seconds"]
                print(
                    f"| {rows:,} | {run} "
                    f"| {floor['seconds']:.2f} s ({rows / floor['seconds']:,.0f} rows/s) "
                    f"| {at_best:.2f} s ({rows / at_best:,.0f} rows/s) "
                    f"| {result['seconds']:.2f} s | {result['seconds'] / floor['seconds']:.1f} x "
                    f"| {result['seconds'] / at_best:.2f} x "
                    f"| {rows / result['seconds']:,.0f} | {result['peak_mb']:.0f} MB |",
                    flush=True,
                )
            if args.sqlite:
                result = measure("import", Path(folder), backend="sqlite")
                print(
                    f"| {rows:,} | sqlite | - | {result['seconds']:.2f} s | - "
                    f"| {rows / result['seconds']:,.0f} | {result['peak_mb']:.0f} MB |"
                )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        kind, folder = sys.argv[2], sys.argv[3]
        result = child_floor(folder) if kind == "floor" else child_import(folder, sys.argv[4])
        print(json.dumps(result))
    else:
        main()
