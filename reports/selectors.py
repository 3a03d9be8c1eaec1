"""The yearly outcome figures, computed from logged records.

Each figure is declared once, by the app whose records it counts
(`<app>/figures.py`, smf.core.figures): its key, label, section, kind and the
records behind it. This module reads that registry (FIGURES, and the key sets
the report derives from it) and keeps the report's fast path:
`figures_for_year` counts every key of `shared/spec/outcome-figures.md` in a
fixed number of aggregate queries (pinned by a test), whatever the volume of
records; the outreach and clinic figures read the yearly totals that the
database keeps as visits are written (`reports.rollups`). A test holds the
fast path equal to the registry's records on random data
(tests/reports/test_figure_registry.py), and `figure_rows` lists those records
for the drill-down and `figure_records`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    Q,
    Sum,
)

# The figures of the apps whose records the report counts: importing them
# declares them (smf.core.figures).
from cases import figures as _legal  # noqa: F401
from cases.models import LegalCase
from outreach import figures as _outreach  # noqa: F401
from outreach.models import Disbursement, Event, Meeting
from reintegration import figures as _reintegration  # noqa: F401
from reintegration.models import FollowUpVisit, ReintegrationSupport, on_time_q
from reports.models import ClinicYear, ImpactReport, OutreachYear
from shelters import figures as _recovery  # noqa: F401
from shelters.figures import reintegrated_in
from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from smf.core.figures import PERCENT, Distinct, Figure, Rows, Total, in_year, money, overlaps
from smf.core.figures import declared as figures_declared
from smf.core.numbers import percentage

# The sections of the report, in order; each figure names its own.
SECTION_ORDER = ("outreach", "clinic", "recovery", "reintegration", "justice", "funding")
# Every published figure, declared once by the app that owns its records
# (smf.core.figures), in the order the report presents them.
FIGURES: dict[str, Figure] = {
    f.key: f for f in sorted(figures_declared(), key=lambda f: SECTION_ORDER.index(f.section))
}
FIGURE_KEYS: tuple[str, ...] = tuple(FIGURES)
MONEY_KEYS = frozenset(k for k, f in FIGURES.items() if f.usd)
PERCENT_KEYS = frozenset(k for k, f in FIGURES.items() if f.kind == PERCENT)
# Figures that count people, or records that each belong to one person (a
# clinic visit, a certificate, a start-up kit, a court case): the public report
# hides them below the threshold (reports.suppression). A figure counts people
# unless its declaration says otherwise: a new figure is suppressed until
# someone decides it names no one.
PEOPLE_KEYS = frozenset(k for k, f in FIGURES.items() if f.counts_people)
# A share or an average speaks of the people of another figure, its base: the
# public report hides it wherever it hides the base.
FIGURE_BASES: dict[str, str] = {k: f.base for k, f in FIGURES.items() if f.base}


def figures_for_year(year: int) -> dict[str, int | Decimal]:
    """Every figure key of the spec for one calendar year, in 12 queries."""
    f: dict[str, int | Decimal] = {}

    # 1-2. Outreach and clinic visits, from the year's totals that the
    #      database keeps as visits are written (reports.rollups).
    o = OutreachYear.objects.filter(year=year).first() or OutreachYear(year=year)
    f["outreach.contacts"] = o.contacts
    f["outreach.venues_visited"] = o.venues
    f["outreach.clients_educated"] = o.clients_educated
    f["supplies.condoms"] = o.condoms
    f["supplies.soaps"] = o.soaps

    c = ClinicYear.objects.filter(year=year).first() or ClinicYear(year=year)
    f["clinic.consultations"] = c.visits
    f["clinic.clients"] = c.clients
    f["clinic.std_tests"] = c.std_tests
    f["clinic.exits_to_shelter"] = c.referred_clients

    # 3-4. Advocacy.
    m = Meeting.objects.filter(in_year(year, "held_on")).aggregate(
        meetings=Count("id"), agreements=Count("id", filter=Q(agreement_reached=True))
    )
    f["advocacy.meetings"] = m["meetings"]
    f["advocacy.agreements"] = m["agreements"]
    f["advocacy.event_participants"] = (
        Event.objects.filter(in_year(year, "held_on")).aggregate(n=Sum("participants"))["n"] or 0
    )

    # 5. Residents, and residents with education, in one pass over the year's stays.
    #    `case IN (subquery)` lets PostgreSQL hash the year's learners once
    #    instead of probing the education records for every stay.
    learners = EducationRecord.objects.filter(overlaps(year, "started_on", "ended_on"))
    r = Stay.objects.filter(overlaps(year, "admitted_on", "left_on")).aggregate(
        residents=Count("case", distinct=True),
        educated=Count("case", distinct=True, filter=Q(case__in=learners.values("case"))),
    )
    f["shelter.residents"] = r["residents"]
    f["shelter.education_pct"] = percentage(r["educated"], r["residents"])

    # 6-7. Vocational training and internships.
    t = VocationalTraining.objects.aggregate(
        trainees=Count("case", distinct=True, filter=overlaps(year, "started_on", "completed_on")),
        completed=Count("id", filter=in_year(year, "completed_on")),
        certified=Count("id", filter=in_year(year, "certified_on")),
    )
    f["training.trainees"] = t["trainees"]
    f["training.completed"] = t["completed"]
    f["training.certified"] = t["certified"]
    f["training.internships_started"] = Internship.objects.filter(
        in_year(year, "started_on")
    ).count()

    # 8. Reintegration: stays that ended in the year with a reintegration.
    f["reintegration.reintegrated"] = Stay.objects.filter(reintegrated_in(year, year)).aggregate(
        n=Count("case", distinct=True)
    )["n"]

    # 9. Support given in the year.
    kit = Q(kind=ReintegrationSupport.Kind.STARTUP_KIT)
    s = ReintegrationSupport.objects.filter(in_year(year, "given_on")).aggregate(
        supported=Count("case", distinct=True),
        kits=Count("id", filter=kit),
        kit_avg=Avg("value_usd", filter=kit),
    )
    f["reintegration.supported"] = s["supported"]
    f["reintegration.startup_kits"] = s["kits"]
    f["reintegration.startup_kit_avg_usd"] = money(s["kit_avg"])

    # 10. Follow-up visits made in the year, and the cohort of the two years before.
    cohort = Stay.objects.filter(reintegrated_in(year - 2, year - 1)).values("case")
    v = FollowUpVisit.objects.filter(in_year(year, "visited_on")).aggregate(
        visits=Count("id"),
        survivors=Count("case", distinct=True),
        cohort=Count("case", distinct=True, filter=Q(case__in=cohort)),
        scheduled=Count("id", filter=Q(due_on__isnull=False)),
        on_time=Count("id", filter=on_time_q()),
    )
    f["followup.visits"] = v["visits"]
    f["followup.survivors"] = v["survivors"]
    f["followup.cohort_followed"] = v["cohort"]
    f["followup.on_time_pct"] = percentage(v["on_time"], v["scheduled"])

    # 11-12. Justice and money.
    f["legal.convictions"] = LegalCase.objects.filter(
        in_year(year, "closed_on"), outcome=LegalCase.Outcome.CONVICTION
    ).count()
    f["funding.directed_usd"] = money(
        Disbursement.objects.filter(in_year(year, "given_on")).aggregate(n=Sum("amount_usd"))["n"]
    )

    return {key: f[key] for key in FIGURE_KEYS}


# --- breakdowns of the impact report (appended; figures_for_year above is untouched)

# Breakdown tables whose cells count people: these are suppressed in the
# public report. Each maps to the column that counts people; other columns of
# the same table (visits, dollars) hide along with it.
BREAKDOWN_PEOPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "residents_by_center": ("residents",),
    "training_by_trade": ("trainees", "certified"),
    "support_by_kind": ("survivors",),
    "followups_by_role": ("survivors",),
    "funding_by_region": (),
}
# Columns that are not people but would reveal a hidden person's cell.
BREAKDOWN_DEPENDENT_COLUMNS: dict[str, dict[str, str]] = {
    "support_by_kind": {"value_usd": "survivors"},
    "followups_by_role": {"visits": "survivors"},
}


def breakdowns_for_year(year: int) -> dict[str, list[dict]]:
    """The breakdown tables of the report for one year (6 queries).

    Each table is a list of rows `{"key": code, "label": text, <column>: value}`
    ordered by its main column, largest first. Labels of choices are codes
    here (translated at render time); centers carry their name.
    """
    rows: dict[str, list[dict]] = {}

    # 1. Residents by center: a resident who moved is counted at each center.
    #    Grouped on the center's id alone (a join to sort by its name cost
    #    three times as much at 100 x volume); the names come in a second query.
    per_center = {
        r["shelter"]: r["residents"]
        for r in Stay.objects.filter(overlaps(year, "admitted_on", "left_on"))
        .values("shelter")
        .annotate(residents=Count("case", distinct=True))
        .order_by()
    }
    centers = Shelter.objects.filter(id__in=per_center).only("code", "name")
    rows["residents_by_center"] = sorted(
        (
            {"key": center.code, "label": center.name, "residents": per_center[center.id]}
            for center in centers
        ),
        key=lambda row: (-row["residents"], row["label"]),
    )

    # 2. Trainees and certifications by trade.
    rows["training_by_trade"] = [
        {"key": r["trade"], "label": r["trade"], "trainees": r["t"], "certified": r["c"]}
        for r in VocationalTraining.objects.filter(
            overlaps(year, "started_on", "completed_on") | in_year(year, "certified_on")
        )
        .values("trade")
        .annotate(
            t=Count("case", distinct=True, filter=overlaps(year, "started_on", "completed_on")),
            c=Count("id", filter=in_year(year, "certified_on")),
        )
        .order_by("-t", "trade")
    ]

    # 3. Reintegration support by kind.
    rows["support_by_kind"] = [
        {
            "key": r["kind"],
            "label": r["kind"],
            "survivors": r["survivors"],
            "value_usd": money(r["value"]),
        }
        for r in ReintegrationSupport.objects.filter(in_year(year, "given_on"))
        .values("kind")
        .annotate(survivors=Count("case", distinct=True), value=Sum("value_usd"))
        .order_by("-survivors", "kind")
    ]

    # 4. Follow-up visits by the role of the visitor.
    rows["followups_by_role"] = [
        {
            "key": r["visitor_role"] or "unknown",
            "label": r["visitor_role"] or "unknown",
            "visits": r["visits"],
            "survivors": r["survivors"],
        }
        for r in FollowUpVisit.objects.filter(in_year(year, "visited_on"))
        .values("visitor_role")
        .annotate(visits=Count("id"), survivors=Count("case", distinct=True))
        .order_by("-visits", "visitor_role")
    ]

    # 5. Money directed, by region.
    rows["funding_by_region"] = [
        {"key": r["region"], "label": r["region"], "amount_usd": money(r["amount"])}
        for r in Disbursement.objects.filter(in_year(year, "given_on"))
        .values("region")
        .annotate(amount=Sum("amount_usd"))
        .order_by("-amount", "region")
    ]
    return rows


# --- everything a report shows, read at one moment


def report_figures(year: int, also: dict[str, Callable[[], object]] | None = None) -> dict:
    """The year's figures, the previous year's and the breakdown tables, and
    any further reads `also` names, on one snapshot (see `read_together`)."""
    return read_together(
        {
            "figures": partial(figures_for_year, year),
            "previous": partial(figures_for_year, year - 1),
            "breakdowns": partial(breakdowns_for_year, year),
            **(also or {}),
        }
    )


def read_together(parts: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run independent reads on one snapshot of the database; their results by name.

    The reads agree with each other even while records are being written. On
    PostgreSQL, outside a transaction, they run side by side on connections
    that share that snapshot (`SET TRANSACTION SNAPSHOT`, as `pg_dump --jobs`
    does), so they take about as long as the longest of them; elsewhere, or
    inside a transaction, one after the other.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: part() for name, part in parts.items()}
    first, *others = parts
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot_id,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=max(len(others), 1)) as pool:
            running = {name: pool.submit(_in_snapshot, snapshot_id, parts[name]) for name in others}
            # The exporting transaction stays open until every part has taken its snapshot.
            results = {first: parts[first]()}
            results |= {name: future.result() for name, future in running.items()}
    return {name: results[name] for name in parts}


def _in_snapshot(snapshot_id: str, part: Callable[[], object]) -> object:
    """Run `part` in this thread's own connection, on an exported snapshot."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot_id])
            return part()
    finally:
        connection.close()


# --- the Reports page


def figures_table(year: int) -> list[dict]:
    """The year's figures beside the previous year's, for the page and its CSV (2 x 12 queries)."""
    years = {"current": year, "previous": year - 1}
    both = read_together({name: partial(figures_for_year, y) for name, y in years.items()})
    current, previous = both["current"], both["previous"]
    return [
        {
            "key": key,
            "value": current[key],
            "previous": previous[key],
            "change": current[key] - previous[key],
            "money": key in MONEY_KEYS,
        }
        for key in FIGURE_KEYS
    ]


def reports_recent(limit: int = 50):
    """The queue and the finished versions, newest first (1 query)."""
    return list(
        ImpactReport.objects.select_related("requested_by").order_by("-created_at", "-id")[:limit]
    )


def report_get(*, report_uuid):
    return ImpactReport.objects.filter(uuid=report_uuid).first()


# --- the records behind a figure (the drill-down, `figure_records`)


def figure_rows(key: str, year: int, user=None):
    """The records behind one figure of a year, as dicts of its columns: all of
    them, or those `user` may see (the figure's scope)."""
    figure = FIGURES[key]
    records = figure.records(year)
    if user is not None:
        records = figure.scope(records, user)
    return figure.rows(year, records)


def figure_count(key: str, year: int, user) -> int:
    """How many records `figure_rows(key, year, user)` lists."""
    figure = FIGURES[key]
    return figure.scope(figure.records(year), user).count()


def figure_from_rows(key: str, rows: list[dict]) -> dict:
    """The figure recomputed from its rows: {"value"} (and "numerator",
    "denominator" for a share or an average)."""
    return FIGURES[key].measure.from_rows(rows)


def figure_visible_value(key: str, year: int, user) -> dict:
    """The figure counted over the records `user` may see, in the database:
    {"value"}, and for a share or an average its numerator and denominator.
    Equal to the published figure for a reader who sees every record."""
    figure = FIGURES[key]
    records = figure.scope(figure.records(year), user)
    if isinstance(figure.measure, Rows | Distinct | Total):
        return {"value": figure.measure.value(figure, records, year)}
    return figure.measure.from_rows(list(figure.rows(year, records)))


def figure_published(key: str, year: int) -> tuple[object, ImpactReport] | None:
    """The figure as the latest finished version of the year's internal report
    froze it, and that version; None before the year's first report."""
    report = (
        ImpactReport.objects.filter(
            year=year, status=ImpactReport.Status.DONE, variant=ImpactReport.Variant.INTERNAL
        )
        .exclude(figures=None)
        .order_by("-version", "-id")
        .first()
    )
    if report is None or key not in report.figures.get("figures", {}):
        return None
    value = report.figures["figures"][key]
    return (Decimal(value) if key in MONEY_KEYS else value), report
