"""The demo's cases and court cases (smf/core/demo.py runs it).

`person_draw` draws a case; the centers (shelters/demo.py) say when she came
and left, and the apps above add what followed. The court cases come after
the people are drawn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from smf.core.demo import DemoContext, DemoGenerator, days, dec31, demo_generator, jan1

from .models import Case, LegalCase
from .services import case_set_names

# The center a case is registered at (its code's prefix). Kampong Cham is the
# center for the youngest girls.
CENTER_WEIGHTS = {"TD": 42, "SR": 33, "KC": 25}
REFERRAL_WEIGHTS = {
    "rescue": 30,
    "police": 22,
    "outreach": 14,
    "ngo": 12,
    "hotline": 8,
    "family": 8,
    "self": 4,
    "other": 2,
}
# Convictions by year the court cases closed (other years draw 6 to 10).
CONVICTIONS = {2010: 9, 2011: 11, 2012: 13}  # 2012: "13 court cases ... ended in conviction"
PRESENT_REGISTERED = 3  # registered, not yet admitted

GIVEN_NAMES = (
    ("Srey Mom", "ស្រីមុំ"),
    ("Sokha", "សុខា"),
    ("Dara", "ដារ៉ា"),
    ("Sophea", "សុភា"),
    ("Bopha", "បុប្ផា"),
    ("Chantha", "ចន្ថា"),
    ("Phalla", "ផល្លា"),
    ("Vanna", "វណ្ណា"),
    ("Thida", "ធីតា"),
    ("Reaksmey", "រស្មី"),
    ("Leakhena", "លក្ខិណា"),
    ("Sreypov", "ស្រីពៅ"),
    ("Srey Neang", "ស្រីនាង"),
    ("Channary", "ចាន់ណារី"),
    ("Pisey", "ពិសី"),
    ("Kunthea", "គន្ធា"),
    ("Sokunthea", "សុគន្ធា"),
    ("Chenda", "ចិន្តា"),
    ("Sopheap", "សុភាព"),
    ("Navy", "ណាវី"),
    ("Davy", "ដាវី"),
    ("Mealea", "មាលា"),
    ("Kanha", "កញ្ញា"),
    ("Theary", "ធារី"),
    ("Malis", "ម្លិះ"),
)
FAMILY_NAMES = (
    ("Sok", "សុខ"),
    ("Chan", "ចាន់"),
    ("Keo", "កែវ"),
    ("Heng", "ហេង"),
    ("Lim", "លឹម"),
    ("Meas", "មាស"),
    ("Prak", "ប្រាក់"),
    ("Chea", "ជា"),
    ("Ouk", "អ៊ុក"),
    ("Seng", "សេង"),
    ("Mao", "ម៉ៅ"),
    ("Touch", "ទូច"),
    ("Kim", "គីម"),
    ("Yim", "យឹម"),
    ("Pen", "ប៉ែន"),
    ("Sam", "សំ"),
    ("Long", "ឡុង"),
    ("Phan", "ផាន់"),
    ("Hem", "ហែម"),
    ("Nhem", "ញឹម"),
)
VIETNAMESE_GIVEN = ("Thi Lan", "Thi Hoa", "Thi Mai", "Thi Hong", "Thi Thu")
VIETNAMESE_FAMILY = ("Nguyen", "Tran", "Le", "Pham", "Vo")


@dataclass
class Person:
    """A case being drawn: the center she is registered at, when she came into
    care and left, and what the apps above drew for her."""

    case: Case
    center: str
    admitted: date | None
    left: date | None
    stays: list = field(default_factory=list)  # shelters.Stay
    reintegrated: bool = False
    training: Any = None  # shelters.VocationalTraining
    support_kind: str = ""  # reintegration.ReintegrationSupport.kind


def names(ctx: DemoContext, nationality: str) -> tuple[str, str]:
    if nationality == "Vietnamese":
        return ctx.rng.choice(VIETNAMESE_GIVEN), ctx.rng.choice(VIETNAMESE_FAMILY)
    script = 1 if ctx.rng.random() < 0.3 else 0
    return ctx.rng.choice(GIVEN_NAMES)[script], ctx.rng.choice(FAMILY_NAMES)[script]


def person_draw(
    ctx: DemoContext, *, admitted: date, left: date | None, center: str | None = None
) -> Person:
    """A new case taken in about `admitted` (its code comes later, codes_assign)."""
    center = center or ctx.weighted(CENTER_WEIGHTS)
    age = ctx.rng.randint(9, 15) if center == "KC" else ctx.rng.randint(14, 24)
    nationality = "Vietnamese" if ctx.rng.random() < 0.06 else "Cambodian"
    case = Case(
        code="",
        sex=Case.Sex.FEMALE,
        birth_year=admitted.year - age,
        nationality=nationality,
        intake_date=admitted - days(ctx.rng.randint(0, 5)),
        referral_source=ctx.weighted(REFERRAL_WEIGHTS),
        exploitation_type=ctx.weighted(
            {"sexual": 78, "labour": 8, "domestic": 7, "marriage": 5, "other": 2}
        ),
    )
    given_name, family_name = names(ctx, nationality)
    case_set_names(case, given_name=given_name, family_name=family_name)
    person = Person(case=case, center=center, admitted=admitted, left=left)
    ctx.people.append(person)
    ctx.add(case)
    return person


def codes_assign(people: list[Person]) -> None:
    """Case codes such as TD-2011-0042, in order of intake."""
    counters: Counter = Counter()
    for p in sorted(people, key=lambda p: p.case.intake_date):
        key = (p.center, p.case.intake_date.year)
        counters[key] += 1
        p.case.code = f"{p.center}-{key[1]}-{counters[key]:04d}"


@demo_generator
class CasesDemo(DemoGenerator):
    tables = (Case, LegalCase)
    holds = (Case,)

    def history_records(self) -> None:
        """Court cases closed from 2009 to 2013, opened after the intake."""
        ctx = self.ctx
        counter = 0
        candidates = [p for p in ctx.people if p.case.exploitation_type == "sexual"]
        plan = []
        for year in (2009, *ctx.years, 2013):
            # Drawn for every year, used where the year has no target.
            drawn = ctx.rng.randint(6, 10)
            convictions = CONVICTIONS.get(year, drawn)
            plan += [(year, "conviction")] * convictions
            plan += [(year, o) for o in ("acquittal", "dismissed", "withdrawn")]
            plan += [(year, "acquittal")] * ctx.rng.randint(0, 2)
        for year, outcome in plan:
            closed = ctx.date_between(jan1(year), dec31(year))
            p = ctx.rng.choice([p for p in candidates if p.case.intake_date <= closed - days(120)])
            opened = ctx.date_between(
                max(p.case.intake_date, closed - days(600)), closed - days(120)
            )
            counter += 1
            ctx.add(
                LegalCase(
                    reference=f"CR-{opened.year}-{counter:04d}",
                    case=p.case,
                    opened_on=opened,
                    outcome=outcome,
                    closed_on=closed,
                )
            )

    def present_records(self) -> None:
        """A few registered cases waiting for a bed; then the era's case codes."""
        ctx = self.ctx
        for _ in range(PRESENT_REGISTERED):
            p = person_draw(ctx, admitted=ctx.today - days(ctx.rng.randint(0, 4)), left=None)
            p.case.intake_date = p.admitted
            p.admitted = None  # registered, waiting for a bed
        new = ctx.era_people()
        codes_assign(new)
        for p in new:
            assert p.case.intake_date.year > 2013, "present-day data must not touch history"

    def present_last(self) -> None:
        """Court cases lately opened for current residents."""
        ctx = self.ctx
        residents = [
            p for p in ctx.era_people() if p.admitted and p.case.exploitation_type == "sexual"
        ]
        for i, p in enumerate(ctx.rng.sample(residents, 8)):
            ctx.add(
                LegalCase(
                    reference=f"CR-{p.admitted.year}-9{i + 1:03d}",
                    case=p.case,
                    opened_on=p.admitted + days(ctx.rng.randint(3, 30)),
                )
            )
