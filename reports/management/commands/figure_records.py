"""The records behind one published figure: `figure_records YEAR KEY`.

`--format json` prints {"year", "key", "value", "rows": [...]}, where value is
recomputed from the rows (for a share or an average, with its numerator and
denominator); `--format csv` prints the rows. Case codes, never names.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from reports.exports import figure_rows_csv, figure_rows_json
from reports.selectors import FIGURES, figure_rows
from reports.services import figure_records_export_record


class Command(BaseCommand):
    help = "Print the records behind one figure of the impact report for a year."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("key", help="a figure key of the spec, e.g. followup.survivors")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, year: int, key: str, format: str, **options):
        if not 1990 <= year <= 2100:
            raise CommandError(f"{year} is not a plausible report year.")
        if key not in FIGURES:
            raise CommandError(f"{key!r} is not a figure key (the keys: {', '.join(FIGURES)}).")
        rows = list(figure_rows(key, year))
        figure_records_export_record(user=None, year=year, key=key, rows=len(rows), via="command")
        if format == "csv":
            sys.stdout.write(figure_rows_csv(key, rows))
        else:
            self.stdout.write(figure_rows_json(year, key, rows))
