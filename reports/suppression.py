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
to hide). Organisation-wide totals are published anyway and stay.
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
