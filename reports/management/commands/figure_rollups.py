from django.core.management.base import BaseCommand, CommandError

from reports import rollups


class Command(BaseCommand):
    help = (
        "Check the yearly outreach and clinic totals that the figures read against a "
        "recount of the visits; with --recount, recount them (writes to visits wait)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--recount", action="store_true", help="recount every total from the visits"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, recount: bool, database: str, **options):
        if recount:
            rollups.install(using=database)
            rollups.recount(using=database)
            self.stdout.write("Yearly totals recounted from the visits.")
            return
        drift = rollups.drift(using=database)
        wrong = {table: rows for table, rows in drift.items() if rows}
        if wrong:
            detail = ", ".join(f"{table}: {rows} rows" for table, rows in wrong.items())
            raise CommandError(
                f"Yearly totals differ from the visits ({detail}). "
                "Run `python manage.py figure_rollups --recount` to recount them."
            )
        self.stdout.write("Yearly totals are in step with the visits.")
