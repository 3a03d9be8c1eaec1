import os
import secrets
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from smf.core.demo import DEFAULT_PASSWORD, DemoRefused, demo_seed
from smf.staff.roles import Role
from smf.staff.twofactor import totp_enrol, totp_secret_check, totp_secret_of


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


def demo_totp_secret(given: str | None, users) -> str:
    """--totp-secret, else $DEMO_TOTP_SECRET, else the secret the demo logins
    already share (the one most of them have, if one enrolled anew: an
    authenticator app keeps working across runs), else a new random one."""
    secret = given or os.environ.get("DEMO_TOTP_SECRET")
    if secret:
        try:
            totp_secret_check(secret)
        except ValueError as error:
            raise CommandError(f"--totp-secret: {error}.") from error
        return secret.replace(" ", "").upper()
    devices = TOTPDevice.objects.filter(user__in=users, confirmed=True)
    shared = Counter(totp_secret_of(device) for device in devices)
    if shared:
        return shared.most_common(1)[0][0]
    return random_totp_secret()


def random_totp_secret() -> str:
    # 160 bits, as authenticator apps make them: 32 base32 characters.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "".join(secrets.choice(alphabet) for _ in range(32))


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
        parser.add_argument(
            "--totp-secret",
            metavar="BASE32",
            help="authenticator secret every demo login is enrolled with (default: "
            "$DEMO_TOTP_SECRET, else the one they have, else a new random one; printed)",
        )

    def handle(self, *args, password: str | None = None, totp_secret: str | None = None, **options):
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
        # The apps' columns (shelters: the centers a login works at) after its role.
        columns = result["columns"]
        table = [("username", "role", *columns, "works on")] + [
            (
                user.username,
                str(Role.LABELS[login.role]),
                *(texts.get(user.username, "-") for texts in columns.values()),
                login.can,
            )
            for login, user in result["logins"]
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for row in table:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write("")
        self.stdout.write(f"Password of every demo login: {password}")
        users = [user for _login, user in result["logins"]]
        secret = demo_totp_secret(totp_secret, users)
        for user in users:
            totp_enrol(user, secret=secret)
        self._print_second_factor(secret)

    def _print_second_factor(self, secret: str) -> None:
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        self.stdout.write("")
        self.stdout.write(
            "Two-factor sign-in: after the password, every demo login asks for a code"
        )
        self.stdout.write(f"from an authenticator app enrolled with this secret: {secret}")
        self.stdout.write(
            "  In the app (Google Authenticator, Aegis, FreeOTP...): add an account, "
            '"enter a setup key",'
        )
        self.stdout.write(f"  type {grouped}, time-based, 6 digits.")
        self.stdout.write(
            f"  In a script: python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\""
        )
