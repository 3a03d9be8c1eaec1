"""Text forms of the figures: JSON (money as a number with cents) and CSV."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from smf.core.spreadsheet import csv_writer


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
