"""The yearly outcome figures, computed from logged records.

`figures_for_year` is the one place where the figure keys of
`shared/spec/outcome-figures.md` are counted. Every figure is a database
aggregate; the whole year costs a fixed number of queries (pinned by a test),
whatever the volume of records. The outreach and clinic figures read the
yearly totals that the database keeps as visits are written
(`reports.rollups`), which `tests/reports/test_rollups.py` holds equal to a
recount of the visits.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    Q,
    Sum,
)

from cases.models import LegalCase
from outreach.models import Event, Meeting
from reintegration.models import FollowUpVisit, ReintegrationSupport, on_time_q
from reports.models import ClinicYear, Disbursement, ImpactReport, OutreachYear
from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from smf.core.numbers import percentage

CENT = Decimal("0.01")

# The keys of the spec, in the order the report presents them.
FIGURE_KEYS: tuple[str, ...] = (
    "outreach.contacts",
    "outreach.venues_visited",
    "outreach.clients_educated",
    "supplies.condoms",
    "supplies.soaps",
    "clinic.consultations",
    "clinic.clients",
    "clinic.std_tests",
    "clinic.exits_to_shelter",
    "advocacy.meetings",
    "advocacy.agreements",
    "advocacy.event_participants",
    "shelter.residents",
    "shelter.education_pct",
    "training.trainees",
    "training.completed",
    "training.certified",
    "training.internships_started",
    "reintegration.reintegrated",
    "reintegration.supported",
    "reintegration.startup_kits",
    "reintegration.startup_kit_avg_usd",
    "followup.visits",
    "followup.survivors",
    "followup.cohort_followed",
    "followup.on_time_pct",
    "legal.convictions",
    "funding.directed_usd",
)
MONEY_KEYS = frozenset({"reintegration.startup_kit_avg_usd", "funding.directed_usd"})
PERCENT_KEYS = frozenset({"shelter.education_pct", "followup.on_time_pct"})
# Figures that count people, or records that each belong to one person (a
# clinic visit, a certificate, a start-up kit, a court case): the public report
# hides them below the threshold (reports.suppression). Every figure counts
# people unless it is named here as counting no one (venues, supplies,
# meetings with institutions) or is money or a share: a new figure is
# suppressed until someone decides otherwise.
COUNTS_NO_ONE = frozenset(
    {
        "outreach.venues_visited",
        "supplies.condoms",
        "supplies.soaps",
        "advocacy.meetings",
        "advocacy.agreements",
    }
)
PEOPLE_KEYS = frozenset(FIGURE_KEYS) - COUNTS_NO_ONE - MONEY_KEYS - PERCENT_KEYS
# A share or an average speaks of the people of another figure, its base: the
# public report hides it wherever it hides the base. The on-time share is of
# the visits that had a due date, which are not a figure; all the visits of
# the year are the nearest figure (and never fewer).
FIGURE_BASES: dict[str, str] = {
    "shelter.education_pct": "shelter.residents",
    "reintegration.startup_kit_avg_usd": "reintegration.startup_kits",
    "followup.on_time_pct": "followup.visits",
}


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def overlaps(year: int, start: str, end: str) -> Q:
    """A period [start, end] (end empty = still going) that touches the year."""
    first, last = year_bounds(year)
    return Q(**{f"{start}__lte": last}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


def in_year(year: int, field: str) -> Q:
    first, last = year_bounds(year)
    return Q(**{f"{field}__gte": first, f"{field}__lte": last})


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def reintegrated_in(first_year: int, last_year: int) -> Q:
    first, _ = year_bounds(first_year)
    _, last = year_bounds(last_year)
    return Q(exit_reason=Stay.ExitReason.REINTEGRATED, left_on__gte=first, left_on__lte=last)


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


def report_figures(year: int) -> dict:
    """The year's figures, the previous year's and the breakdown tables (see `read_together`)."""
    return read_together(
        {
            "figures": partial(figures_for_year, year),
            "previous": partial(figures_for_year, year - 1),
            "breakdowns": partial(breakdowns_for_year, year),
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
