from django.core.management.base import BaseCommand

from reports.translations import compile_catalogues


class Command(BaseCommand):
    help = (
        "Compile locale/*/LC_MESSAGES/*.po to .mo without GNU gettext (pure Python, polib). "
        "Only catalogues newer than their .mo are written, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rewrite every .mo")

    def handle(self, *args, force: bool, **options):
        written = compile_catalogues(force=force)
        for path in written:
            self.stdout.write(f"compiled {path}")
        if not written:
            self.stdout.write("translations are up to date")
