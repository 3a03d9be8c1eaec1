"""Fill the database DATABASE_URL names with the synthetic report data, once.

    createdb -h 127.0.0.1 -U postgres bench_report_100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report_100 \\
        .venv/bin/python bench/fill_report_data.py --scale 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report_100 \\
        .venv/bin/python bench/report_bench.py --existing

Filling 100 x the demo volume takes about ten minutes; `report_bench.py
--existing` then times the report on it as often as wanted.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--year", type=int, default=2011)
    args = parser.parse_args()

    import django

    django.setup()
    import report_bench
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    report_bench.generate(scale=args.scale, year=args.year)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
