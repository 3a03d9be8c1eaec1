"""The demo's centers and their residents: stays, classes, vocational trainings,
internships (smf/core/demo.py runs it).

The residents of the historical years are drawn from a plan of stays solved so
that the report's residents, education and training figures come out as the
organisation published them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from cases.demo import Person, codes_assign, person_draw
from smf.core.demo import DemoContext, DemoGenerator, days, dec31, demo_generator, jan1
from smf.core.numbers import percentage
from smf.staff.demo import DemoLogin

from .models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from .services import center_staff_set

CENTERS = (
    # code, name, province, capacity
    ("TD", "Tom Dy", "Phnom Penh", 120),
    ("KC", "Kampong Cham", "Kampong Cham", 80),
    ("SR", "Siem Reap", "Siem Reap", 100),
)
# The centers each demo login works at.
CENTER_STAFF = {"sw.tomdy": ("TD",), "sw.siemreap": ("SR",), "manager.tomdy": ("TD",)}

# The figures the records must produce, by year (see reports/selectors.py).
TARGETS: dict[int, dict[str, int | Decimal]] = {
    2010: {
        "shelter.residents": 290,
        "shelter.education_pct": 95,
        "training.certified": 31,
        "training.internships_started": 25,
    },
    2011: {
        "shelter.residents": 358,  # "358 residents"
        "shelter.education_pct": 100,  # "residents of all three centers received ..."
        "training.trainees": 248,  # "248 women and girls received skills training"
        "training.certified": 48,  # "48 received formal government certification"
        "training.internships_started": 38,
    },
    2012: {
        "shelter.residents": 350,  # "350 women and girls received holistic care"
        "shelter.education_pct": 100,  # "100% of shelter residents received basic education"
        "training.completed": 21,  # "21 residents completed basic vocational skills training"
        "training.certified": 9,
        "training.internships_started": 21,  # "... and have begun internships"
    },
}
# Leavers of each year who left to be reintegrated ("120 women left the centers
# to be reintegrated" in 2011): the report's reintegration.reintegrated.
REINTEGRATED_LEAVERS = {2009: 90, 2010: 80, 2011: 120, 2012: 96, 2013: 110}

# Stays of the historical cases by (year admitted, year left); a case still in
# a center at the end of 2012 leaves in 2013. The three None entries are solved
# so that the residents of 2010, 2011 and 2012 come out as TARGETS says.
STAY_PLAN: dict[tuple[int, int], int | None] = {
    (2008, 2009): 45,
    (2009, 2009): 75,
    (2009, 2010): 70,
    (2009, 2011): 40,
    (2010, 2010): None,
    (2010, 2011): 90,
    (2010, 2012): 30,
    (2011, 2011): None,
    (2011, 2012): 58,
    (2011, 2013): 30,
    (2012, 2012): None,
    (2012, 2013): 122,
}
TRANSFER_SHARE = 0.08  # long stays split between two centers

# Vocational trainings by (year started, year completed), one per trainee. The
# None entries are solved from the 2011 trainees and the 2012 completions.
TRAINING_PLAN: dict[tuple[int, int], int | None] = {
    (2011, 2013): 23,
    (2012, 2013): 60,
    (2011, 2012): 15,
    (2010, 2011): 80,
    (2011, 2011): None,
    (2012, 2012): None,
    (2009, 2010): 45,
    (2010, 2010): 50,
    (2009, 2009): 40,
}
TRADES = ("sewing", "sewing", "weaving", "salon", "salon", "cooking", "agriculture", "computer")
EMPLOYERS = (
    "Tailoring workshop, Phnom Penh",
    "Weaving cooperative, Takeo",
    "Beauty salon, Siem Reap",
    "Hotel restaurant, Siem Reap",
    "Guesthouse kitchen, Kampot",
    "Garment social enterprise, Phnom Penh",
    "Hair salon, Kampong Cham",
    "NGO office, Phnom Penh",
)

# Around today: how many residents each center has now.
PRESENT_RESIDENTS = {"TD": 36, "KC": 24, "SR": 30}


def stay_plan() -> dict[tuple[int, int], int]:
    """STAY_PLAN with its open entries solved from the residents targets."""
    plan = dict(STAY_PLAN)
    for year, (a, b) in {2010: (2010, 2010), 2011: (2011, 2011), 2012: (2012, 2012)}.items():
        others = sum(n for (s, e), n in plan.items() if n is not None and s <= year <= e)
        plan[(a, b)] = TARGETS[year]["shelter.residents"] - others
    if min(plan.values()) < 0:
        raise ValueError(f"STAY_PLAN cannot reach the residents targets: {plan}")
    return plan


def training_plan() -> dict[tuple[int, int], int]:
    plan = dict(TRAINING_PLAN)
    plan[(2011, 2011)] = TARGETS[2011]["training.trainees"] - sum(
        n for (s, e), n in plan.items() if n is not None and s <= 2011 <= e
    )
    plan[(2012, 2012)] = TARGETS[2012]["training.completed"] - sum(
        n for (s, e), n in plan.items() if n is not None and e == 2012
    )
    if min(plan.values()) < 0:
        raise ValueError(f"TRAINING_PLAN cannot reach the training targets: {plan}")
    return plan


def stays_draw(ctx: DemoContext, p: Person) -> None:
    """Her stays from `admitted` to `left`: one, or two when a long stay moved."""
    if p.left is None:
        exit_reason = ""
    elif p.reintegrated:
        exit_reason = Stay.ExitReason.REINTEGRATED
    else:
        exit_reason = ctx.weighted({"family": 50, "left": 35, "other": 15})
    center = ctx.centers[p.center]
    if p.left and (p.left - p.admitted).days > 300 and ctx.rng.random() < TRANSFER_SHARE:
        # Some long stays move to another center (girls who grow out of
        # Kampong Cham go on to Tom Dy).
        moved = ctx.date_between(p.admitted + days(60), p.left - days(60))
        other = ctx.centers["TD" if p.center != "TD" else "SR"]
        p.stays.append(
            Stay(
                case=p.case,
                shelter=center,
                admitted_on=p.admitted,
                left_on=moved,
                exit_reason=Stay.ExitReason.TRANSFERRED,
            )
        )
        center, start = other, moved
    else:
        start = p.admitted
    p.stays.append(
        Stay(
            case=p.case,
            shelter=center,
            admitted_on=start,
            left_on=p.left,
            exit_reason=exit_reason,
        )
    )
    ctx.add(*p.stays)


def education_draw(ctx: DemoContext, p: Person, *, ended: date | None) -> None:
    """Her classes: the main course over the whole stay, and some others."""
    kc = p.center == "KC"
    # The main course covers the whole stay, so every year of the stay counts.
    ctx.add(
        EducationRecord(
            case=p.case,
            course="state_school" if kc else "basic",
            started_on=p.admitted,
            ended_on=ended,
        )
    )
    extra = ["english", "computer"] + ([] if kc else ["literacy", "math"])
    for course in ctx.rng.sample(extra, ctx.rng.randint(1, len(extra))):
        start = p.admitted + days(ctx.rng.randint(7, 60))
        end = start + days(ctx.rng.randint(60, 200))
        if ended is not None:
            if start > ended:
                continue
            end = min(end, ended)
        elif start > ctx.today:
            continue
        elif end > ctx.today:
            end = None
        ctx.add(EducationRecord(case=p.case, course=course, started_on=start, ended_on=end))


@demo_generator
class SheltersDemo(DemoGenerator):
    tables = (Stay, EducationRecord, VocationalTraining, Internship)
    holds = (Shelter,)

    def staff_prepare(self) -> None:
        self.centers = {}
        for code, name, province, capacity in CENTERS:
            self.centers[code], _ = Shelter.objects.update_or_create(
                code=code, defaults={"name": name, "province": province, "capacity": capacity}
            )
        self.ctx.centers = self.centers

    def staff_login(self, login: DemoLogin, user: User) -> dict[str, str]:
        codes = CENTER_STAFF.get(login.username, ())
        center_staff_set(user=user, centers=[self.centers[c] for c in codes])
        return {"centers": ", ".join(codes) or "-"}

    def prepare(self) -> None:
        self.ctx.centers = {s.code: s for s in Shelter.objects.all()}

    # -- the history ------------------------------------------------------------

    def history_people(self) -> None:
        ctx = self.ctx
        for (first, last), n in stay_plan().items():
            for _ in range(n):
                if first == last:
                    admitted = ctx.date_between(jan1(first), date(first, 9, 30))
                    left = ctx.date_between(admitted + days(60), dec31(last))
                else:
                    admitted = ctx.date_between(jan1(first), dec31(first))
                    left = ctx.date_between(max(jan1(last), admitted + days(60)), dec31(last))
                person_draw(ctx, admitted=admitted, left=left)
        # Who of the leavers of each year was reintegrated.
        for year in range(2009, 2014):
            leavers = [p for p in ctx.people if p.left and p.left.year == year]
            for p in ctx.rng.sample(leavers, REINTEGRATED_LEAVERS[year]):
                p.reintegrated = True
        for p in ctx.people:
            stays_draw(ctx, p)
        codes_assign(ctx.people)
        self.history_education()
        self.history_trainings()

    def history_education(self) -> None:
        ctx = self.ctx
        # The residents of 2010 who had no class: enough to give the 2010 share.
        residents_2010 = [p for p in ctx.people if p.admitted.year <= 2010 <= p.left.year]
        only_2010 = [p for p in residents_2010 if p.admitted.year == p.left.year == 2010]
        target = TARGETS[2010]["shelter.education_pct"]
        total = len(residents_2010)
        missing = next(k for k in range(total + 1) if percentage(total - k, total) == target)
        without = {id(p) for p in ctx.rng.sample(only_2010, missing)}
        for p in ctx.people:
            if id(p) in without:
                continue
            education_draw(ctx, p, ended=p.left)

    def history_trainings(self) -> None:
        ctx = self.ctx
        trainings: list[VocationalTraining] = []
        taken: set[int] = set()
        pool = [p for p in ctx.people if p.left is not None]
        for (first, last), n in training_plan().items():
            ctx.rng.shuffle(pool)
            made = 0
            for p in pool:
                if made == n:
                    break
                if id(p) in taken or not (p.admitted.year <= first and p.left.year >= last):
                    continue
                dates = self.training_dates(p, first, last)
                if dates is None:
                    continue
                started, completed = dates
                p.training = VocationalTraining(
                    case=p.case,
                    trade=ctx.rng.choice(TRADES),
                    started_on=started,
                    completed_on=completed,
                )
                trainings.append(p.training)
                taken.add(id(p))
                made += 1
            if made < n:
                raise ValueError(f"only {made} of {n} trainings {first}-{last} fit the stays")
        ctx.add(*trainings)
        for year in ctx.years:
            done = [t for t in trainings if t.completed_on.year == year]
            for i, t in enumerate(ctx.rng.sample(done, TARGETS[year]["training.certified"])):
                t.certified_on = min(t.completed_on + days(ctx.rng.randint(7, 45)), dec31(year))
                t.certificate_number = f"MLVT-{year}-{i + 1:04d}"
            for t in ctx.rng.sample(done, TARGETS[year]["training.internships_started"]):
                start = min(t.completed_on + days(ctx.rng.randint(5, 25)), dec31(year))
                ctx.add(
                    Internship(
                        case=t.case,
                        employer=ctx.rng.choice(EMPLOYERS),
                        started_on=start,
                        ended_on=start + days(ctx.rng.randint(45, 90)),
                    )
                )

    def training_dates(self, p: Person, first: int, last: int):
        ctx = self.ctx
        lo = max(p.admitted + days(7), jan1(first))
        hi = min(p.left - days(30), dec31(first))
        for _ in range(6):
            if hi < lo:
                return None
            started = ctx.date_between(lo, hi)
            end_lo = max(jan1(last), started + days(90))
            end_hi = min(dec31(last), p.left - days(3), started + days(540))
            if end_lo <= end_hi:
                return started, ctx.date_between(end_lo, end_hi)
        return None

    # -- around today -----------------------------------------------------------

    def present_people(self) -> None:
        """The centers' current residents, with their classes and trainings."""
        ctx = self.ctx
        owners = {"TD": ctx.users.get("sw.tomdy"), "SR": ctx.users.get("sw.siemreap")}
        for center, n in PRESENT_RESIDENTS.items():
            for _ in range(n):
                admitted = ctx.today - days(ctx.rng.randint(7, 540))
                p = person_draw(ctx, admitted=admitted, left=None, center=center)
                p.case.assigned_social_worker = owners.get(center)
                stays_draw(ctx, p)
                education_draw(ctx, p, ended=None)
                self.present_training(p)

    def present_training(self, p: Person) -> None:
        ctx = self.ctx
        started = p.admitted + days(ctx.rng.randint(20, 60))
        if started > ctx.today or ctx.rng.random() < 0.25:
            return
        completed = started + days(ctx.rng.randint(150, 330))
        t = VocationalTraining(case=p.case, trade=ctx.rng.choice(TRADES), started_on=started)
        if completed <= ctx.today:
            t.completed_on = completed
            if ctx.rng.random() < 0.4 and completed + days(30) <= ctx.today:
                t.certified_on = completed + days(30)
            internship = completed + days(ctx.rng.randint(5, 25))
            if internship <= ctx.today and ctx.rng.random() < 0.5:
                ctx.add(
                    Internship(
                        case=p.case, employer=ctx.rng.choice(EMPLOYERS), started_on=internship
                    )
                )
        ctx.add(t)
