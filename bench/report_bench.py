"""Benchmark of the impact report: figures, HTML and PDF, timed apart.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report \\
        .venv/bin/python bench/report_bench.py --scale 100 --year 2011

Fills a fresh database (created and dropped by Django's test machinery) with
a year of records at `--scale` times the demo volume, using the demo seed of
`smf/core/demo.py` (`demo_seed`) at scale 1 and otherwise the synthetic
generator below, which follows the volumes of the 2011 outcomes page (358
residents in three centers, about 69,000 outreach contacts, 1,844 clinic
visits...). Prints one line per stage and the total.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smf.settings")


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def generate(*, scale: int, year: int, seed: int = 7) -> None:
    """Synthetic records for `year` and the two years before, at `scale` x demo."""
    from cases.models import Case, LegalCase
    from outreach.models import ClinicVisit, Disbursement, Event, Meeting, OutreachVisit, Venue
    from reintegration.models import FollowUpVisit, ReintegrationSupport
    from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining

    rng = random.Random(seed)
    batch = 5000
    centers = [
        Shelter.objects.get_or_create(code=code, defaults={"name": name, "province": name})[0]
        for code, name in (("TD", "Tom Dy"), ("SR", "Siem Reap"), ("KC", "Kampong Cham"))
    ]
    venues = Venue.objects.bulk_create(
        [Venue(code=f"BV{i}", name=f"Venue {i}", kind="karaoke") for i in range(950 * scale)],
        batch_size=batch,
    )
    for y in (year - 2, year - 1, year):
        outreach = [
            OutreachVisit(
                venue=rng.choice(venues),
                visited_on=_day(rng, y),
                contacts=rng.randint(5, 25),
                clients_educated=rng.randint(0, 1),
                condoms=rng.randint(100, 220),
                soaps=rng.randint(0, 4),
            )
            for _ in range(4600 * scale)
        ]
        OutreachVisit.objects.bulk_create(outreach, batch_size=batch)
        ClinicVisit.objects.bulk_create(
            [
                ClinicVisit(
                    client_code=f"CL{y}-{rng.randrange(1200 * scale)}",
                    visited_on=_day(rng, y),
                    service=rng.choice(["consultation", "treatment", "counselling"]),
                    std_test=rng.random() < 0.36,
                )
                for _ in range(1844 * scale)
            ],
            batch_size=batch,
        )
        Meeting.objects.bulk_create(
            [
                Meeting(
                    held_on=_day(rng, y),
                    counterpart="government",
                    title="Meeting",
                    agreement_reached=rng.random() < 0.015,
                )
                for _ in range(150 * scale)
            ],
            batch_size=batch,
        )
        Event.objects.create(
            held_on=date(y, 12, 10), title="Anti-Trafficking Day", participants=4000
        )
        Disbursement.objects.bulk_create(
            [
                Disbursement(
                    given_on=_day(rng, y),
                    recipient="Partner",
                    region=rng.choice(["southeast_asia", "southeast_asia", "us", "haiti"]),
                    amount_usd=Decimal(rng.randint(5000, 30000)),
                )
                for _ in range(50 * scale)
            ],
            batch_size=batch,
        )
        # About 185 intakes a year staying three months to twenty months give
        # the outcomes page's ~358 residents a year; stays that would end after
        # the benchmarked year are still open.
        cases = Case.objects.bulk_create(
            [Case(code=f"B{y}-{i:06d}", intake_date=date(y, 1, 1)) for i in range(185 * scale)],
            batch_size=batch,
        )
        stays, education, training, internships, support, followups, legal = ([] for _ in range(7))
        for i, case in enumerate(cases):
            admitted = _day(rng, y)
            left = admitted + timedelta(days=rng.randint(90, 600))
            if left > date(year, 12, 31):
                left = None
            reintegrated = left is not None and rng.random() < 0.6
            stays.append(
                Stay(
                    case=case,
                    shelter=rng.choice(centers),
                    admitted_on=admitted,
                    left_on=left,
                    exit_reason=("reintegrated" if reintegrated else "family") if left else "",
                )
            )
            education.append(
                EducationRecord(case=case, course="basic", started_on=admitted, ended_on=left)
            )
            if rng.random() < 0.7:
                done = admitted + timedelta(days=rng.randint(60, 200))
                training.append(
                    VocationalTraining(
                        case=case,
                        trade=rng.choice(["sewing", "weaving", "salon"]),
                        started_on=admitted,
                        completed_on=done if rng.random() < 0.3 else None,
                        certified_on=done if rng.random() < 0.2 else None,
                    )
                )
            if rng.random() < 0.1:
                internships.append(Internship(case=case, employer="Hotel", started_on=admitted))
            if reintegrated:
                support.append(
                    ReintegrationSupport(
                        case=case,
                        kind=rng.choice(["startup_kit", "startup_kit", "microgrant"]),
                        given_on=left,
                        value_usd=Decimal("700.00"),
                    )
                )
                # Three-monthly visits for two years; those after the
                # benchmarked year are only scheduled.
                for k in range(1, 9):
                    due = left + timedelta(days=91 * k)
                    made = due + timedelta(days=rng.randint(-5, 20))
                    followups.append(
                        FollowUpVisit(
                            case=case,
                            due_on=due,
                            visited_on=made if made <= date(year, 12, 31) else None,
                            visitor_role=rng.choice(["social_worker", "medical", "psychologist"]),
                            outcome="stable" if made <= date(year, 12, 31) else "",
                        )
                    )
            if rng.random() < 0.04:
                legal.append(
                    LegalCase(
                        reference=f"LB{y}-{i}",
                        case=case,
                        opened_on=admitted,
                        outcome="conviction",
                        closed_on=admitted + timedelta(days=100),
                    )
                )
        for model, rows in (
            (Stay, stays),
            (EducationRecord, education),
            (VocationalTraining, training),
            (Internship, internships),
            (ReintegrationSupport, support),
            (FollowUpVisit, followups),
            (LegalCase, legal),
        ):
            model.objects.bulk_create(rows, batch_size=batch)


def fill(scale: int, year: int) -> str:
    if scale == 1:
        from smf.core.demo import demo_seed

        demo_seed(password="bench-only-password-0")
        return "smf.core.demo.demo_seed (the demo data)"
    generate(scale=scale, year=year)
    return f"synthetic generator, {scale}x demo volume"


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--year", type=int, default=2011)
    parser.add_argument("--language", choices=["en", "km"], default="en")
    parser.add_argument("--runs", type=int, default=3, help="repeats; the best is reported")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="time the database DATABASE_URL names as it is, already filled (nothing is "
        "created, filled or dropped; e.g. one filled once with bench/fill_report_data.py)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment
    from django.utils import timezone, translation

    from reports import pdf
    from reports.selectors import breakdowns_for_year, figures_for_year, report_figures
    from reports.translations import ensure_compiled

    setup_test_environment()
    runner = get_runner(django.conf.settings)(verbosity=0, interactive=False)
    old = None if args.existing else runner.setup_databases()
    try:
        if args.existing:
            name = connection.settings_dict["NAME"]
            print(f"data: the database as it is ({connection.vendor}, {name})")
        else:
            source, seconds = timed(lambda: fill(args.scale, args.year))
            print(f"data: {source} ({connection.vendor}), generated in {seconds:.1f} s")
        if connection.vendor == "postgresql":
            # A live database has its statistics and visibility map kept by
            # autovacuum; a bulk load right before timing has neither.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        ensure_compiled()
        best: dict[str, float] = {}
        first: dict[str, float] = {}
        for _ in range(args.runs):
            _one, t_one = timed(lambda: figures_for_year(args.year))
            _seq, t_seq = timed(
                lambda: {
                    "figures": figures_for_year(args.year),
                    "previous": figures_for_year(args.year - 1),
                    "breakdowns": breakdowns_for_year(args.year),
                }
            )
            started = time.perf_counter()
            # What the report task reads: the three parts on one snapshot
            # (side by side on PostgreSQL).
            snapshot, t_fig = timed(lambda: report_figures(args.year))

            def html(snapshot=snapshot):
                with translation.override(args.language):
                    return pdf.report_html(
                        pdf.report_context(
                            year=args.year,
                            language=args.language,
                            public=False,
                            version=1,
                            generated_on=timezone.localdate(),
                            snapshot=snapshot,
                        )
                    )

            text, t_html = timed(html)
            content, t_pdf = timed(lambda text=text: pdf.html_to_pdf(text))
            total = time.perf_counter() - started
            for name, value in (
                ("figures_for_year (one year)", t_one),
                ("figures, one part after the other", t_seq),
                ("figures (report_figures: year, previous, tables)", t_fig),
                ("html", t_html),
                ("pdf", t_pdf),
                ("end to end", total),
            ):
                best[name] = min(best.get(name, value), value)
                first.setdefault(name, value)
        # The records behind the largest figure, first page, as a director
        # opens them (the whole request: scope, count, page, audit line).
        from django.test import Client

        from reports.selectors import FIGURES
        from smf.staff.roles import Role
        from smf.staff.services import staff_create

        largest = max(
            (k for k, f in FIGURES.items() if f.kind == "count"),
            key=lambda k: FIGURES[k].records(args.year).count(),
        )
        from django.contrib.auth.models import User

        director = User.objects.filter(username="bench-director").first() or staff_create(
            username="bench-director", password="bench-only-password-0", roles=[Role.DIRECTOR]
        )
        client = Client()
        client.force_login(director)
        # Signed in with her second factor, as tests/conftest.py does.
        from django_otp import DEVICE_ID_SESSION_KEY

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = "otp_totp.totpdevice/bench"
        session.save()
        address = f"/reports/figures/{args.year}/{largest}/"
        for _ in range(args.runs):
            response, t_drill = timed(lambda: client.get(address))
            assert response.status_code == 200, response.status_code
            name = f"drill-down, first page ({largest})"
            best[name] = min(best.get(name, t_drill), t_drill)
            first.setdefault(name, t_drill)
        print(f"{'stage':52s} {'first':>9s} {'best':>9s}")
        for name, value in best.items():
            print(f"{name:52s} {first[name]:7.3f} s {value:7.3f} s")
        print(f"pdf size {len(content) / 1024:.0f} KiB, best of {args.runs} runs")
    finally:
        if old is not None:
            runner.teardown_databases(old)


if __name__ == "__main__":
    main()
