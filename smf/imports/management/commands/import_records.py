"""`manage.py import_records FOLDER [--dry-run]`: the bulk import from a terminal."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from smf.imports.archive import ImportRejected, source_from_path
from smf.imports.write import records_import


class Command(BaseCommand):
    help = (
        "Import an organisation's records from a folder of CSV files (or a .zip of it). "
        "All or nothing: any bad row and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder of CSV files, or a .zip archive of one")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and say what would happen, write nothing",
        )

    def handle(self, *args, folder: str, dry_run: bool, **options):
        try:
            with source_from_path(folder) as source:
                result = records_import(files=source, dry_run=dry_run)
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(
                f"Import refused: {len(rejected.errors)} error(s), nothing was written."
            ) from None
        verb = "Would import" if dry_run else "Imported"
        for filename, counts in result.counts.items():
            self.stdout.write(
                f"{filename}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['appended']} appended"
            )
        self.stdout.write(
            f"{verb} {result.rows} row(s)"
            + (" (dry run: nothing was written)." if dry_run else ".")
        )
