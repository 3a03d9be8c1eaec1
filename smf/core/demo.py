"""Demo data: believable records whose computed figures match the published report.

The organisation's outcomes page (shared/seeds/000_77c4c19a9aa8288a.txt) states
the 2011 and 2012 highlights. `demo_seed` writes individual records for 2009-2013
(cases, stays, classes, trainings, start-up kits, follow-up visits, court cases,
outreach and clinic visits, meetings, events, disbursements) drawn by a seeded
random generator, so that the report -- which counts records and knows nothing
about the demo -- gives back every figure the page states. Nothing writes a
figure: each app's targets are its generator's inputs, and the report computes
its figures from the rows like it does for real data.

A second, smaller set of records lives around today's date (current residents,
follow-up visits due and overdue, recent outreach) so that the screens have
something to show; it starts long after 2013 and so never touches the
historical figures.

This module knows no domain. Each app draws its own records in its `demo`
module, a `DemoGenerator` subclass marked with `@demo_generator`; `demo_seed`
finds them (`autodiscover_modules("demo")`) and runs them in the order of
INSTALLED_APPS, which lists the apps bottom layer first, so a generator may use
what the apps below it drew (the cases, the centers) from the shared
`DemoContext`.

The two eras each draw from one random stream shared by every app, in rounds
(ROUNDS): within a round the apps take their turn in layer order, and a round
lets an app draw after the apps above it (court cases for the people the
centers admitted, the store's deliveries after the year's visits and payments).
The rounds keep the order in which the demo has always drawn its numbers, so a
seed gives the same records as before; changing which round a step runs in, or
adding a draw, changes every record drawn after it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.module_loading import autodiscover_modules

from smf.staff.audit import audit_record
from smf.staff.demo import DEMO_LOGINS, DemoLogin, demo_login_sync, demo_teams_sync
from smf.staff.models import AuditLog, Team
from smf.staff.services import roles_sync

SEED = 20111210  # the third Anti-Trafficking Day: any fixed number would do
MARKER_ACTION = "demo_seeded"
DEFAULT_PASSWORD = "demo-smf-2011"

# The years whose report figures the demo reproduces (records around them, from
# 2009 to 2013, make the stays and follow-ups that cross a new year).
HISTORY_YEARS = (2010, 2011, 2012)

# Each era: its name, what its random stream is seeded with (added to SEED).
ERAS = (("history", 0), ("present", 1))
# In each era, the rounds in order; "year" runs once for each of the era's
# years (history: HISTORY_YEARS; present: this year). A generator takes part in
# a round with a method named `<era>_<round>` (`history_year(year)` for "year").
ROUNDS = (
    "people",  # the cases, their stays, and what followed them
    "records",  # records about the people drawn; what the years draw from
    "year",  # each year's activity
    "closing",  # what the years leave behind
    "last",  # drawn after everything else
)


def jan1(year: int) -> date:
    return date(year, 1, 1)


def dec31(year: int) -> date:
    return date(year, 12, 31)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class DemoContext:
    """What the generators share while they draw: the random stream, the day it
    is, and what the apps below drew for the apps above."""

    today: date
    users: dict[str, User]
    teams: dict[str, Team]
    seed: int = SEED
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    era: str = ""
    years: tuple[int, ...] = ()
    # The cases drawn, in order (cases.demo.Person), and the index of the first
    # one drawn in this era.
    people: list[Any] = field(default_factory=list)
    era_start: int = 0
    # The centers by code (shelters.demo).
    centers: dict[str, Any] = field(default_factory=dict)
    # Every record drawn, by model, stored in bulk in this order at the end.
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def era_people(self) -> list[Any]:
        return self.people[self.era_start :]

    def add(self, *objs: models.Model) -> None:
        for obj in objs:
            self.rows[type(obj)].append(obj)

    # -- drawing ----------------------------------------------------------

    def date_between(self, lo: date, hi: date) -> date:
        if hi < lo:
            raise ValueError(f"empty date range {lo}..{hi}")
        return lo + days(self.rng.randint(0, (hi - lo).days))

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def split_total(self, total: int, n: int, share: float = 1.0, spread: float = 0.7):
        """n whole numbers summing exactly to total; about `share` of them non-zero."""
        receivers = self.rng.sample(range(n), max(1, min(n, round(n * share))))
        # Whole-number weights keep the arithmetic exact.
        lo, hi = round(1000 * (1 - spread)), round(1000 * (1 + spread))
        weights = [self.rng.randint(lo, hi) for _ in receivers]
        parts = [total * w // sum(weights) for w in weights]
        for i in self.rng.sample(range(len(parts)), total - sum(parts)):
            parts[i] += 1
        out = [0] * n
        for index, part in zip(receivers, parts, strict=True):
            out[index] = part
        return out


class DemoGenerator:
    """What one app draws for the demo (subclass it in the app's `demo` module).

    `tables` are the models whose rows the app draws, in the order to store
    them; `holds` the models one of whose rows means the database holds records
    of its own. The staff hooks run on every seed (they update the logins), the
    `<era>_<round>` methods only when the demo is drawn.
    """

    tables: tuple[type[models.Model], ...] = ()
    holds: tuple[type[models.Model], ...] = ()

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx

    def staff_prepare(self) -> None:
        """Before the logins are made: the places they work at."""

    def staff_login(self, login: DemoLogin, user: User) -> dict[str, str]:
        """One login made: its memberships in this app; columns to print about it."""
        return {}

    def staff_done(self, logins: list[tuple[DemoLogin, User]]) -> None:
        """Every login made."""

    def prepare(self) -> None:
        """Before drawing: look up what the app's records refer to."""


_generators: list[type[DemoGenerator]] = []


def demo_generator(cls: type[DemoGenerator]) -> type[DemoGenerator]:
    """Class decorator: the app's generator takes part in the demo."""
    if cls not in _generators:
        _generators.append(cls)
    return cls


def demo_generators() -> list[type[DemoGenerator]]:
    """Every app's generator, bottom layer first (the order of INSTALLED_APPS)."""
    autodiscover_modules("demo")
    order = {config.name: i for i, config in enumerate(apps.get_app_configs())}
    return sorted(
        _generators, key=lambda cls: order[apps.get_containing_app_config(cls.__module__).name]
    )


def demo_run(ctx: DemoContext, generators: list[DemoGenerator], *, eras=None) -> None:
    """Draw the eras (all of them by default) into ctx, round by round."""
    for era, offset in ERAS:
        if eras is not None and era not in eras:
            continue
        ctx.era, ctx.era_start = era, len(ctx.people)
        ctx.rng = random.Random(ctx.seed + offset)
        ctx.years = HISTORY_YEARS if era == "history" else (ctx.today.year,)
        for round_ in ROUNDS:
            steps: list[Callable] = [
                step for g in generators if (step := getattr(g, f"{era}_{round_}", None))
            ]
            if round_ == "year":
                for year in ctx.years:
                    for step in steps:
                        step(year)
            else:
                for step in steps:
                    step()


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


class DemoRefused(Exception):
    """The database holds records that are not demo data."""


def demo_present() -> bool:
    return AuditLog.objects.filter(action=MARKER_ACTION).exists()


def holds_other_records(classes: list[type[DemoGenerator]]) -> bool:
    return any(model.objects.exists() for cls in classes for model in cls.holds)


def demo_draw(
    *, today: date, users: dict[str, User] | None = None, eras=None
) -> tuple[DemoContext, list[DemoGenerator]]:
    """Draw the demo's records in memory (nothing is stored): the context and
    the generators that drew them."""
    ctx = DemoContext(today=today, users=users or {}, teams={t.code: t for t in Team.objects.all()})
    generators = [cls(ctx) for cls in demo_generators()]
    for g in generators:
        ctx.rows.update({model: [] for model in g.tables})
    for g in generators:
        g.prepare()
    demo_run(ctx, generators, eras=eras)
    return ctx, generators


def demo_store(ctx: DemoContext) -> dict[str, int]:
    """Store everything drawn in bulk, parents before children; row counts by table."""
    counts = {}
    for model, objs in ctx.rows.items():
        model.objects.bulk_create(objs, batch_size=1000)
        counts[str(model._meta.verbose_name_plural)] = len(objs)
    return counts


@dataclass
class DemoLogins:
    """The demo logins made, and the columns the apps print about them
    (column -> username -> text)."""

    logins: list[tuple[DemoLogin, User]]
    columns: dict[str, dict[str, str]]


def demo_logins_sync(*, password: str) -> DemoLogins:
    """Create or update the teams, one login per role, and the apps' memberships."""
    roles_sync()
    ctx = DemoContext(today=date.today(), users={}, teams={})
    generators = [cls(ctx) for cls in demo_generators()]
    for g in generators:
        g.staff_prepare()
    teams = ctx.teams = demo_teams_sync()
    out, columns = [], {}
    for login in DEMO_LOGINS:
        user = demo_login_sync(login, password=password, teams=teams)
        for g in generators:
            for column, text in g.staff_login(login, user).items():
                columns.setdefault(column, {})[login.username] = text
        out.append((login, user))
    for g in generators:
        g.staff_done(out)
    return DemoLogins(logins=out, columns=columns)


@transaction.atomic
def demo_seed(*, password: str, today: date | None = None) -> dict:
    """Fill an empty database with the demo; on a demo database, update the logins.

    Returns {"created": bool, "logins": [(DemoLogin, User)], "columns": {column:
    {username: text}}, "counts": {table: rows}}.
    Refuses (DemoRefused) when the database holds records of its own.
    """
    present = demo_present()
    if not present and holds_other_records(demo_generators()):
        raise DemoRefused(
            "The database already holds centers or records that are not demo data; "
            "the demo is only seeded into an empty database."
        )
    made = demo_logins_sync(password=password)
    result = {"created": False, "logins": made.logins, "columns": made.columns, "counts": {}}
    if present:
        return result
    ctx, _generators = demo_draw(
        today=today or date.today(),
        users={login.username: user for login, user in made.logins},
    )
    counts = demo_store(ctx)
    audit_record(user=None, action=MARKER_ACTION, details={"seed": SEED, **counts})
    return result | {"created": True, "counts": counts}
