"""What changed in a figure since a version of the report was published.

When a version is compiled, each figure's members (smf.core.figures.Figure.
members: record ids, or the codes of the distinct people and venues counted,
each with its share of the value) are frozen beside its figures, on the same
snapshot of the database (`PublishedMembers`, packed: ids as sorted
differences, the whole compressed, a few bytes a record). Against today's
members that tells which records entered the figure, which left it, and which
count differently, and the audit log tells who touched them since. Ids and
codes only: what the page shows of a record is the figure's own columns, and
only for records the reader may see.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from smf.core.figures import MEMBER, Figure
from smf.staff.models import AuditLog

from .models import ImpactReport, PublishedMembers
from .selectors import FIGURE_KEYS, FIGURES, MONEY_KEYS, figures_for_year

# Records listed per kind of change on the page; the rest are counted.
SHOWN = 100
# Audit lines shown per record.
AUDIT_SHOWN = 5


# --- packing


def _plain(value):
    return f"{value}" if isinstance(value, Decimal) else value


def members_pack(figure: Figure, pairs: Iterable[tuple]) -> tuple[int, bytes]:
    """(how many members, their packed form)."""
    members, values = [], []
    for member, value in pairs:
        members.append(member)
        values.append(_plain(value))
    if not figure.by_code:
        # Record ids in order, as differences: small numbers compress well.
        members = [b - a for a, b in zip([0, *members], members, strict=False)]
    data = {"codes": figure.by_code, "members": members}
    if any(v is not None for v in values):
        data["values"] = values
    return len(members), zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)


def members_unpack(packed: bytes) -> dict:
    """{member: value} as packed (values None for a plain count)."""
    data = json.loads(zlib.decompress(bytes(packed)))
    members = data["members"]
    if not data["codes"]:
        total, ids = 0, []
        for step in members:
            total += step
            ids.append(total)
        members = ids
    values = data.get("values") or [None] * len(members)
    return dict(zip(members, values, strict=True))


def figure_members(year: int) -> dict[str, tuple[int, bytes]]:
    """Every figure's members for the year, packed (one read per figure)."""
    return {key: members_pack(FIGURES[key], FIGURES[key].members(year)) for key in FIGURE_KEYS}


def members_freeze(report: ImpactReport, members: dict[str, tuple[int, bytes]]) -> None:
    PublishedMembers.objects.bulk_create(
        PublishedMembers(report=report, key=key, count=count, packed=packed)
        for key, (count, packed) in members.items()
    )


# --- a version against today


def _frozen(report: ImpactReport, key: str):
    value = (report.figures or {}).get("figures", {}).get(key)
    if value is None:
        return None
    return Decimal(value) if key in MONEY_KEYS else value


def version_figures(report: ImpactReport, today: dict | None = None) -> list[dict]:
    """Each figure of a finished version: as published, today, whether it
    differs. `today` is the year's figures now (figures_for_year) if known."""
    today = figures_for_year(report.year) if today is None else today
    return [
        {
            "key": key,
            "published": _frozen(report, key),
            "today": today[key],
            "differs": _frozen(report, key) is not None and _frozen(report, key) != today[key],
        }
        for key in FIGURE_KEYS
    ]


def versions_changed(reports: Iterable[ImpactReport]) -> dict[int, int]:
    """{report id: how many of its figures differ today} for the finished
    versions among `reports` (one figures_for_year per year)."""
    done = [r for r in reports if r.status == ImpactReport.Status.DONE and r.figures]
    today = {year: figures_for_year(year) for year in {r.year for r in done}}
    return {r.pk: sum(row["differs"] for row in version_figures(r, today[r.year])) for r in done}


@dataclass
class Change:
    """One member that entered, left or counts differently."""

    member: int | str
    published: object = None
    today: object = None
    row: dict | None = None
    audit: list = field(default_factory=list)


@dataclass
class FigureChanges:
    key: str
    kept: bool  # whether the version kept its members (versions made before did not)
    published_value: object = None
    today_value: object = None
    entered: list[Change] = field(default_factory=list)
    left: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # entered/left/changed: all of them
    gone: int = 0  # of those looked at, records deleted since


def figure_changes(report: ImpactReport, key: str, user) -> FigureChanges:
    """The members of one figure that entered, left or count differently
    since `report` was published: the first SHOWN of each kind the reader may
    see, with their columns today and the audit lines about them since."""
    figure = FIGURES[key]
    frozen = PublishedMembers.objects.filter(report=report, key=key).first()
    result = FigureChanges(key=key, kept=frozen is not None, published_value=_frozen(report, key))
    result.today_value = figures_for_year(report.year)[key]
    if frozen is None:
        return result
    then = members_unpack(frozen.packed)
    now = dict(figure.members(report.year))
    kinds = {
        "entered": sorted(m for m in now if m not in then),
        "left": sorted(m for m in then if m not in now),
        "changed": sorted(m for m in now if m in then and _plain(now[m]) != then[m]),
    }
    result.counts = {kind: len(members) for kind, members in kinds.items()}
    for kind, members in kinds.items():
        shown = _visible(figure, report.year, members, user, result)
        getattr(result, kind).extend(
            Change(member=m, published=then.get(m), today=_plain(now.get(m)), row=shown[m])
            for m in members
            if m in shown
        )
    _attach_audit(figure, report, [*result.entered, *result.left, *result.changed])
    return result


def _visible(figure: Figure, year: int, members: list, user, result: FigureChanges) -> dict:
    """{member: its row today} for the first SHOWN members the reader may
    see; those she may not, or that no longer exist, are counted."""
    model = figure.records(year).model
    lookup = figure.member_lookup
    found: dict = {}
    for start in range(0, len(members), 1000):
        batch = members[start : start + 1000]
        every = model._default_manager.filter(**{f"{lookup}__in": batch})
        existing = set(every.values_list(lookup, flat=True))
        mine: dict = {}
        for row in figure.rows(year, figure.scope(every, user), member=True):
            mine.setdefault(row.pop(MEMBER), row)
        result.gone += sum(1 for m in batch if m not in existing)
        for m in batch:
            if m in mine and len(found) < SHOWN:
                found[m] = mine[m]
        if len(found) >= SHOWN:
            break
    return found


def _attach_audit(figure: Figure, report: ImpactReport, changes: list[Change]) -> None:
    """The audit lines since publication about each change's record or case."""
    if not changes:
        return
    label = figure.records(report.year).model._meta.label_lower
    by_case = figure.by_code and figure.measure.column == "case_code"

    def case_code(change: Change) -> str:
        return str(change.member) if by_case else (change.row or {}).get("case_code") or ""

    codes = {case_code(c) for c in changes} - {""}
    about = Q(case_code__in=codes)
    ids = [c.member for c in changes if not figure.by_code]
    if ids:
        about |= Q(details__model=label, details__id__in=ids)
    lines = list(
        AuditLog.objects.filter(about, at__gt=report.finished_at)
        .select_related("user")
        .order_by("at", "id")
    )
    for change in changes:
        code = case_code(change)
        change.audit = [
            line
            for line in lines
            if (code and line.case_code == code)
            or (
                not figure.by_code
                and line.details.get("model") == label
                and line.details.get("id") == change.member
            )
        ][-AUDIT_SHOWN:]
