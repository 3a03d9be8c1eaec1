import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.demo import DEFAULT_PASSWORD, DemoRefused, demo_seed
from smf.staff.roles import Role


def demo_password(given: str | None, *, debug: bool) -> str:
    """--password, else $DEMO_PASSWORD, else (on a development machine only)
    the default that the command prints."""
    password = given or os.environ.get("DEMO_PASSWORD")
    if password:
        return password
    if not debug:
        raise CommandError(
            "DEBUG is off: give the demo logins a password with --password or DEMO_PASSWORD."
        )
    return DEFAULT_PASSWORD


class Command(BaseCommand):
    help = (
        "Fill an empty database with the demo: the three centers, one login per role, "
        "records of 2010-2012 from which the impact report computes the published "
        "figures, and current residents and follow-up visits around today. Running it "
        "again only updates the logins. Refuses a database that holds records of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="password of every demo login (default: $DEMO_PASSWORD, else a printed default)",
        )

    def handle(self, *args, password: str | None = None, **options):
        password = demo_password(password, debug=settings.DEBUG)
        started = time.monotonic()
        try:
            result = demo_seed(password=password)
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        if result["created"]:
            rows = ", ".join(f"{n} {table}" for table, n in result["counts"].items())
            self.stdout.write(
                f"Demo records written in {time.monotonic() - started:.1f} s: {rows}."
            )
        else:
            self.stdout.write("Demo records already present: left as they are; logins updated.")
        self.stdout.write("")
        table = [("username", "role", "centers", "works on")] + [
            (
                user.username,
                str(Role.LABELS[login.role]),
                ", ".join(login.centers) or "-",
                login.can,
            )
            for login, user in result["logins"]
        ]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for row in table:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write("")
        self.stdout.write(f"Password of every demo login: {password}")
