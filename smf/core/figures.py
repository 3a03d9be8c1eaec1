"""The published figures, each declared once by the app whose records it counts.

A `Figure` has its key (shared/spec/outcome-figures.md), its label, the
section of the report that prints it, its kind (a count, money, a percentage,
an average), the records behind it for a year (`records(year)`, a QuerySet
over the owning app's models) and its `measure`: how those records make the
value (rows counted, distinct people, a column summed, a share, an average).
Apps declare theirs in a `figures` module (found when Django starts, by
smf.core.apps); reports reads the registry for the PDF, the Reports page, the
CSV, the drill-down and `figure_records`. The report's own fast path
(reports.selectors.figures_for_year, with the yearly totals the database
keeps) is held equal to the registry by a test.

A figure's records are listed by its `columns`, (name, lookup) pairs read
with `values()`: case codes, dates, center, venue and clinic client codes, the
column it sums. Never a name or a free text: a drill-down is an export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum

from .numbers import percentage

COUNT, MONEY, PERCENT, AVERAGE = "count", "money", "percent", "average"
CENT = Decimal("0.01")

Value = int | Decimal


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def in_year(year: int, field_name: str) -> Q:
    first, last = year_bounds(year)
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lte": last})


def overlaps(year: int, start: str, end: str) -> Q:
    """A period [start, end] (end empty = still going) that touches the year."""
    first, last = year_bounds(year)
    return Q(**{f"{start}__lte": last}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


# --- measures: how a figure's records make its value --------------------------

# The column a share's rows carry: whether the row is in the numerator.
COUNTED = "counted"
# The column a row carries when asked for its member (Figure.members).
MEMBER = "member"


@dataclass(frozen=True)
class Rows:
    """The number of records."""

    def value(self, figure: Figure, records: QuerySet, year: int) -> Value:
        return records.count()

    def from_rows(self, rows: list[dict]) -> dict:
        return {"value": len(rows)}

    def members(self, figure: Figure, records: QuerySet, year: int):
        return ((pk, None) for pk in records.values_list("pk", flat=True).order_by("pk"))

    def from_members(self, values: list) -> Value:
        return len(values)


@dataclass(frozen=True)
class Distinct:
    """The number of distinct values of a column (people: the case column)."""

    column: str

    def value(self, figure: Figure, records: QuerySet, year: int) -> Value:
        lookup = figure.lookup(self.column)
        return records.aggregate(n=Count(lookup, distinct=True))["n"]

    def from_rows(self, rows: list[dict]) -> dict:
        return {"value": len({row[self.column] for row in rows} - {None})}

    def members(self, figure: Figure, records: QuerySet, year: int):
        lookup = figure.lookup(self.column)
        codes = records.exclude(**{f"{lookup}__isnull": True}).values_list(lookup, flat=True)
        return ((code, None) for code in codes.distinct().order_by(lookup))

    def from_members(self, values: list) -> Value:
        return len(values)


@dataclass(frozen=True)
class Total:
    """A column summed (money to the cent)."""

    column: str
    usd: bool = False

    def value(self, figure: Figure, records: QuerySet, year: int) -> Value:
        total = records.aggregate(n=Sum(figure.lookup(self.column)))["n"]
        return money(total) if self.usd else total or 0

    def from_rows(self, rows: list[dict]) -> dict:
        total = sum(row[self.column] or 0 for row in rows)
        return {"value": money(total) if self.usd else total}

    def members(self, figure: Figure, records: QuerySet, year: int):
        return records.values_list("pk", figure.lookup(self.column)).order_by("pk").iterator(2000)

    def from_members(self, values: list) -> Value:
        total = sum(Decimal(v) if self.usd else v for v in values if v is not None)
        return money(total) if self.usd else total


@dataclass(frozen=True)
class Mean:
    """A column's average over the records, to the cent."""

    column: str

    def value(self, figure: Figure, records: QuerySet, year: int) -> Value:
        return money(records.aggregate(n=Avg(figure.lookup(self.column)))["n"])

    def from_rows(self, rows: list[dict]) -> dict:
        values = [row[self.column] for row in rows if row[self.column] is not None]
        total = sum((Decimal(v) for v in values), Decimal(0))
        mean = money(total / len(values)) if values else money(0)
        return {"value": mean, "numerator": money(total), "denominator": len(values)}

    def members(self, figure: Figure, records: QuerySet, year: int):
        return records.values_list("pk", figure.lookup(self.column)).order_by("pk").iterator(2000)

    def from_members(self, values: list) -> Value:
        return self.from_rows([{self.column: v} for v in values])["value"]


@dataclass(frozen=True)
class Share:
    """The percentage of the records (or of the distinct values of `column`)
    that are in `part(year)`; the rows carry COUNTED."""

    part: Callable[[int], Q]
    column: str = ""

    def annotate(self, records: QuerySet, year: int) -> QuerySet:
        return records.annotate(
            **{COUNTED: ExpressionWrapper(self.part(year), output_field=BooleanField())}
        )

    def value(self, figure: Figure, records: QuerySet, year: int) -> Value:
        part = self.part(year)
        if self.column:
            lookup = figure.lookup(self.column)
            n = records.aggregate(
                all=Count(lookup, distinct=True), part=Count(lookup, distinct=True, filter=part)
            )
        else:
            n = records.aggregate(all=Count("pk"), part=Count("pk", filter=part))
        return percentage(n["part"], n["all"])

    def from_rows(self, rows: list[dict]) -> dict:
        if self.column:
            every = {row[self.column] for row in rows} - {None}
            counted = {row[self.column] for row in rows if row[COUNTED]} - {None}
            numerator, denominator = len(counted), len(every)
        else:
            numerator, denominator = sum(1 for row in rows if row[COUNTED]), len(rows)
        return {
            "value": percentage(numerator, denominator),
            "numerator": numerator,
            "denominator": denominator,
        }

    def members(self, figure: Figure, records: QuerySet, year: int):
        """Each record (or distinct value of `column`) with whether it is
        counted: a value is counted when any of its records is."""
        records = self.annotate(records, year)
        if not self.column:
            return records.values_list("pk", COUNTED).order_by("pk").iterator(2000)
        lookup = figure.lookup(self.column)
        counted: dict = {}
        for code, part in records.values_list(lookup, COUNTED).iterator(2000):
            if code is not None:
                counted[code] = counted.get(code, False) or bool(part)
        return sorted(counted.items())

    def from_members(self, values: list) -> Value:
        return percentage(sum(1 for v in values if v), len(values))


Measure = Rows | Distinct | Total | Mean | Share


# --- figures ------------------------------------------------------------------


def _scoped_by_model(records: QuerySet, user) -> QuerySet:
    return records.visible_to(user)


@dataclass(frozen=True)
class Figure:
    """One published figure. `base` names the figure a share or an average
    speaks of (the public report hides it with its base); `counts_people` is
    whether its value counts people or records of one person each (hidden
    below the threshold in the public report). `scope(records, user)` narrows
    the records to what a reader may see: by default the model's `visible_to`."""

    key: str
    label: object
    section: str
    kind: str
    records: Callable[[int], QuerySet]
    measure: Measure
    columns: tuple[tuple[str, str], ...]
    counts_people: bool = True
    base: str = ""
    usd: bool = False
    scope: Callable[[QuerySet, object], QuerySet] = field(default=_scoped_by_model)

    def lookup(self, column: str) -> str:
        return dict(self.columns)[column]

    def value(self, year: int) -> Value:
        return self.measure.value(self, self.records(year), year)

    def rows(self, year: int, records: QuerySet | None = None, *, member: bool = False) -> QuerySet:
        """The records behind the value, as dicts of the figure's columns
        (and COUNTED for a share; MEMBER, the record's member, if asked),
        ordered by the first column, then by id."""
        records = self.records(year) if records is None else records
        plain = [name for name, lookup in self.columns if name == lookup]
        renamed = {name: F(lookup) for name, lookup in self.columns if name != lookup}
        if member:
            renamed[MEMBER] = F(self.member_lookup)
        if isinstance(self.measure, Share):
            records = self.measure.annotate(records, year)
            plain.append(COUNTED)
        return records.values(*plain, **renamed).order_by(self.columns[0][0], "pk")

    def members(self, year: int) -> Iterator[tuple[int | str, object]]:
        """What the value is made of, as (member, its share of the value)
        pairs in order: record ids (with the column summed or averaged, or
        whether a share counts it), or, for a figure of distinct people or
        venues, their codes. Kept with each published version, so that what
        entered or left a figure since can be told (reports.changes)."""
        return iter(self.measure.members(self, self.records(year), year))

    @property
    def by_code(self) -> bool:
        """Whether the members are codes (distinct values) rather than record ids."""
        return bool(getattr(self.measure, "column", "")) and isinstance(
            self.measure, Distinct | Share
        )

    @property
    def member_lookup(self) -> str:
        return self.lookup(self.measure.column) if self.by_code else "pk"


_declared: list[Figure] = []


def declare(*figures: Figure) -> None:
    """Add figures to the registry (from an app's `figures` module)."""
    for figure in figures:
        if any(f.key == figure.key for f in _declared):
            raise ValueError(f"{figure.key} is declared twice")
        _declared.append(figure)


def declared() -> tuple[Figure, ...]:
    """Every figure, in the order the apps declared them."""
    return tuple(_declared)
