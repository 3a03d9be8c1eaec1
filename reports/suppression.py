"""Small-number suppression for the public impact report.

In a breakdown table, a count of people below the threshold
(settings.REPORT_SUPPRESSION_THRESHOLD, 5 by default) is shown as "fewer than
5" (primary suppression). Because the table prints its total, one hidden cell
could then be worked out by subtraction, so further cells are hidden
(secondary suppression) until no hidden cell is determined by the total.

A reader knows a primary cell lies in [0, T-1] and a secondary cell in
[T, infinity). Given the total, each hidden cell x lies in

    [max(lo_x, hidden_sum - sum(hi of the other hidden)),
     min(hi_x, hidden_sum - sum(lo of the other hidden))]

and a cell is disclosed when that interval is a single value. We hide the
smallest visible cell until no hidden cell is disclosed (or nothing is left
to hide).

The same rule holds for every other number that counts people:

- A headline figure that counts people (`PEOPLE_KEYS` in reports.selectors)
  below the threshold is shown as "fewer than 5", this year's and the
  previous year's alike. A share or an average (`FIGURE_BASES`) is hidden
  wherever its base is: 100% of two residents is two residents.
- The change between the years is hidden whenever either year is: a printed
  change beside one printed year would give the other away.
- Whether a year's figure is hidden depends on that year's figures alone, so
  the edition of year Y and the edition of Y+1 (whose previous-year column is
  Y) hide the same figures of Y: no value printed in one edition and change
  printed in the other can be subtracted to recover a hidden count.
- A breakdown table's total of people is hidden below the threshold like any
  other count, and a total of dollars or visits hides with it; larger totals
  are printed.

Zero is a count below the threshold and is hidden like 1 to 4, in the
tables and in the headline figures, so "fewer than 5" always means 0 to 4.
Were zeros printed, "fewer than 5" would mean "at least one person", and the
bounds above (a primary cell lies in [0, T-1]) would no longer hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class Cell:
    value: int
    hidden: str = ""  # "", PRIMARY or SECONDARY

    @property
    def shown(self) -> bool:
        return not self.hidden


def threshold() -> int:
    return settings.REPORT_SUPPRESSION_THRESHOLD


def _bounds(cell: Cell, limit: int) -> tuple[float, float]:
    if cell.hidden == PRIMARY:
        return 0, limit - 1
    return limit, math.inf


def disclosed(cells: list[Cell], limit: int) -> list[int]:
    """Indexes of hidden cells whose value the total gives away."""
    hidden = [i for i, c in enumerate(cells) if c.hidden]
    total = sum(cells[i].value for i in hidden)
    out = []
    for i in hidden:
        lo_i, hi_i = _bounds(cells[i], limit)
        others = [_bounds(cells[j], limit) for j in hidden if j != i]
        lo = max(lo_i, total - sum(hi for _, hi in others))
        hi = min(hi_i, total - sum(lo for lo, _ in others))
        if lo == hi:
            out.append(i)
    return out


def suppress_column(values: list[int], limit: int | None = None) -> list[Cell]:
    """Primary and secondary suppression of one column that prints its total."""
    limit = threshold() if limit is None else limit
    cells = [Cell(v, PRIMARY if v < limit else "") for v in values]
    while any(c.hidden for c in cells) and disclosed(cells, limit):
        visible = [i for i, c in enumerate(cells) if c.shown]
        if not visible:
            break
        smallest = min(visible, key=lambda i: (cells[i].value, i))
        cells[smallest] = Cell(cells[smallest].value, SECONDARY)
    return cells


def suppress_table(
    rows: list[dict],
    people_columns: tuple[str, ...],
    dependent_columns: dict[str, str] | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Rows with each cell replaced by a Cell; people columns suppressed.

    A dependent column (dollars, visits) hides wherever its people column
    hides, so the amount of one person's grant is never printed.
    """
    dependent_columns = dependent_columns or {}
    columns = {key for row in rows for key in row if key not in ("key", "label")}
    cells_by_column: dict[str, list[Cell]] = {}
    for column in people_columns:
        cells_by_column[column] = suppress_column([row[column] for row in rows], limit)
    for column, source in dependent_columns.items():
        cells_by_column[column] = [
            Cell(row[column], SECONDARY if cells_by_column[source][i].hidden else "")
            for i, row in enumerate(rows)
        ]
    out = []
    for i, row in enumerate(rows):
        new = {"key": row["key"], "label": row["label"]}
        for column in columns:
            new[column] = (
                cells_by_column[column][i] if column in cells_by_column else Cell(row[column])
            )
        out.append(new)
    return out


def plain_table(rows: list[dict]) -> list[dict]:
    """The internal variant: every cell shown."""
    return [{k: (v if k in ("key", "label") else Cell(v)) for k, v in row.items()} for row in rows]


# --- headline figures and totals


@dataclass(frozen=True)
class FigureCells:
    """One headline figure as the report prints it: this year, the year before, the change."""

    value: Cell
    previous: Cell
    change: Cell


def figure_hidden(
    key: str,
    figures: dict,
    people: frozenset[str],
    bases: dict[str, str],
    limit: int | None = None,
) -> str:
    """How one year's figure is hidden: PRIMARY (a count of people below the
    threshold), SECONDARY (a share or average whose base is hidden) or ""."""
    limit = threshold() if limit is None else limit
    if key in people and figures[key] < limit:
        return PRIMARY
    base = bases.get(key)
    if base is not None and figure_hidden(base, figures, people, bases, limit):
        return SECONDARY
    return ""


def suppress_figures(
    figures: dict,
    previous: dict,
    people: frozenset[str],
    bases: dict[str, str],
    limit: int | None = None,
) -> dict[str, FigureCells]:
    """Every headline figure of the public report, by key, with its hidden cells."""
    out = {}
    for key, value in figures.items():
        now = Cell(value, figure_hidden(key, figures, people, bases, limit))
        before = Cell(previous[key], figure_hidden(key, previous, people, bases, limit))
        change = Cell(value - previous[key], SECONDARY if now.hidden or before.hidden else "")
        out[key] = FigureCells(now, before, change)
    return out


def plain_figures(figures: dict, previous: dict) -> dict[str, FigureCells]:
    """The internal variant: every figure shown."""
    return {
        key: FigureCells(Cell(value), Cell(previous[key]), Cell(value - previous[key]))
        for key, value in figures.items()
    }


def suppress_totals(
    rows: list[dict],
    people_columns: tuple[str, ...],
    dependent_columns: dict[str, str] | None = None,
    limit: int | None = None,
) -> dict[str, Cell]:
    """The totals of a breakdown table by column; a total of people below the
    threshold is hidden, and the dollars or visits that depend on it with it."""
    limit = threshold() if limit is None else limit
    dependent_columns = dependent_columns or {}
    columns = [key for key in (rows[0] if rows else {}) if key not in ("key", "label")]
    totals = {column: sum(row[column] for row in rows) for column in columns}
    out = {
        column: Cell(total, PRIMARY if column in people_columns and total < limit else "")
        for column, total in totals.items()
    }
    for column, source in dependent_columns.items():
        if column in out and out[source].hidden:
            out[column] = Cell(totals[column], SECONDARY)
    return out
