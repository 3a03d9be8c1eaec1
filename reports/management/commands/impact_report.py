import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.exports import figures_csv, figures_json
from reports.selectors import figures_for_year
from reports.services import impact_report_render


class Command(BaseCommand):
    help = (
        "Compute the impact report of a year: its figures as JSON or CSV, or the whole "
        "report as a PDF (rendered here, synchronously, as the worker would)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--format", choices=["json", "csv", "pdf"], default="json")
        parser.add_argument("--language", choices=["en", "km"], default="en")
        parser.add_argument(
            "--public", action="store_true", help="suppress small numbers (public edition)"
        )
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(
        self,
        *args,
        year: int,
        format: str,
        language: str,
        public: bool,
        output: str | None,
        **options,
    ):
        if not 1990 <= year <= 2100:
            raise CommandError(f"{year} is not a plausible report year.")
        if format == "pdf":
            content, _snapshot = impact_report_render(year=year, language=language, public=public)
            if output:
                Path(output).write_bytes(content)
                self.stderr.write(f"Wrote {output}")
            else:
                sys.stdout.buffer.write(content)
            return
        figures = figures_for_year(year)
        if format == "json":
            text = figures_json(year, figures)
        else:
            text = figures_csv(year, figures, figures_for_year(year - 1))
        if output:
            Path(output).write_text(text + ("\n" if not text.endswith("\n") else ""), "utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
