"""Text forms of the figures: JSON (money as a number with cents) and CSV."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from smf.core.figures import COUNTED, Share
from smf.core.spreadsheet import csv_writer

from .selectors import FIGURES, figure_from_rows


def figures_json(year: int, figures: dict) -> str:
    """{"year": Y, "figures": {key: value}}; money keeps its two decimals."""
    marker = "@@decimal@@"

    def encode(value):
        if isinstance(value, Decimal):
            return f"{marker}{value:.2f}{marker}"
        raise TypeError(f"cannot encode {type(value).__name__}")

    text = json.dumps({"year": year, "figures": figures}, default=encode, indent=2)
    # A Decimal is written as its digits, unquoted: 924000.00, not "924000.00".
    return text.replace(f'"{marker}', "").replace(f'{marker}"', "")


def figures_csv(year: int, figures: dict, previous: dict | None = None) -> str:
    """One row per figure key, with the previous year and the change beside it."""
    out = io.StringIO()
    writer = csv_writer(out)
    if previous is None:
        writer.writerow(["key", str(year)])
        for key, value in figures.items():
            writer.writerow([key, value])
    else:
        writer.writerow(["key", str(year), str(year - 1), "change"])
        for key, value in figures.items():
            before = previous.get(key, 0)
            writer.writerow([key, value, before, value - before])
    return out.getvalue()


def _cell(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def figure_rows_json(year: int, key: str, rows: list[dict]) -> str:
    """{"year", "key", "value", "rows"}: value recomputed from the rows (with
    numerator and denominator for a share or an average)."""
    recomputed = figure_from_rows(key, rows)
    document = {
        "year": year,
        "key": key,
        **{name: _cell(value) for name, value in recomputed.items()},
        "rows": [{name: _cell(value) for name, value in row.items()} for row in rows],
    }
    return json.dumps(document, indent=2)


def figure_rows_csv_lines(key: str, rows: Iterable[dict]) -> Iterator[str]:
    """The rows as CSV lines, a header of the figure's columns first (and, for
    a share, whether each row is counted in it): one row in memory at a time."""
    figure = FIGURES[key]
    names = [name for name, _lookup in figure.columns]
    if isinstance(figure.measure, Share):
        names.append(COUNTED)
    writer = csv_writer(_Line())
    yield writer.writerow(names)
    for row in rows:
        yield writer.writerow([_cell(row[name]) for name in names])


def figure_rows_csv(key: str, rows: Iterable[dict]) -> str:
    return "".join(figure_rows_csv_lines(key, rows))


class _Line:
    """A file that hands back what is written to it: csv.writer's row as text."""

    def write(self, text: str) -> str:
        return text
