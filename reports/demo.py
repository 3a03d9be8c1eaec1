"""Demo data: believable records whose computed figures match the published report.

The organisation's outcomes page (shared/seeds/000_77c4c19a9aa8288a.txt) states
the 2011 and 2012 highlights. `demo_seed` writes individual records for 2009-2013
(cases, stays, classes, trainings, start-up kits, follow-up visits, court cases,
outreach and clinic visits, meetings, events, disbursements) drawn by a seeded
random generator, so that `figures_for_year` -- which counts records and knows
nothing about the demo -- gives back every figure the page states. Nothing here
writes a figure: TARGETS are the generator's inputs, and the report computes
its figures from the rows like it does for real data.

A second, smaller set of records lives around today's date (current residents,
follow-up visits due and overdue, recent outreach) so that the screens have
something to show; it starts long after 2013 and so never touches the
historical figures.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from cases.models import Case, LegalCase
from cases.services import case_set_names
from outreach.models import (
    ClinicClient,
    ClinicVisit,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Venue,
)
from outreach.services import CLIENT_CODE_ALPHABET, CLIENT_CODE_PREFIX
from reintegration.models import (
    FollowUpVisit,
    ReintegrationPlan,
    ReintegrationSupport,
    TeamCenter,
    TeamLead,
)
from reports.models import Disbursement
from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from shelters.services import center_staff_set
from smf.core.numbers import percentage
from smf.staff.audit import audit_record
from smf.staff.models import AuditLog, Team
from smf.staff.roles import Role
from smf.staff.services import roles_sync, staff_create

# ---------------------------------------------------------------------------
# The generator's inputs
# ---------------------------------------------------------------------------

SEED = 20111210  # the third Anti-Trafficking Day: any fixed number would do
MARKER_ACTION = "demo_seeded"
DEFAULT_PASSWORD = "demo-smf-2011"

CENTERS = (
    # code, name, province, capacity
    ("TD", "Tom Dy", "Phnom Penh", 120),
    ("KC", "Kampong Cham", "Kampong Cham", 80),
    ("SR", "Siem Reap", "Siem Reap", 100),
)
# Kampong Cham is the center for the youngest girls.
CENTER_WEIGHTS = {"TD": 42, "SR": 33, "KC": 25}

TEAMS = (
    # code, name, kind
    ("center-td", "Tom Dy center staff", Team.Kind.CENTER),
    ("center-kc", "Kampong Cham center staff", Team.Kind.CENTER),
    ("center-sr", "Siem Reap center staff", Team.Kind.CENTER),
    ("reintegration", "Reintegration team", Team.Kind.REINTEGRATION),
    ("outreach", "Outreach team", Team.Kind.OUTREACH),
    ("clinic", "Free clinic", Team.Kind.CLINIC),
    ("legal", "Legal team", Team.Kind.LEGAL),
    ("advocacy", "Advocacy", Team.Kind.ADVOCACY),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    first_name: str
    centers: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    can: str = ""


DEMO_LOGINS = (
    DemoLogin(
        "sw.tomdy",
        Role.SOCIAL_WORKER,
        "Sokha",
        ("TD",),
        ("center-td",),
        "cases of Tom Dy: register, admit, classes, trainings",
    ),
    DemoLogin(
        "sw.siemreap",
        Role.SOCIAL_WORKER,
        "Chenda",
        ("SR",),
        ("center-sr",),
        "cases of Siem Reap only",
    ),
    DemoLogin(
        "manager.tomdy",
        Role.CENTER_MANAGER,
        "Bopha",
        ("TD",),
        ("center-td",),
        "as a social worker, and manages the Tom Dy center",
    ),
    DemoLogin(
        "reintegration",
        Role.REINTEGRATION_OFFICER,
        "Dara",
        (),
        ("reintegration",),
        "leads the reintegration team serving every center: plans, start-up kits, visits",
    ),
    DemoLogin(
        "outreach",
        Role.OUTREACH_WORKER,
        "Phalla",
        (),
        ("outreach", "clinic", "advocacy"),
        "venues, outreach and clinic visits, meetings, events; no cases",
    ),
    DemoLogin(
        "legal", Role.LEGAL_OFFICER, "Vanna", (), ("legal",), "legal cases, hearings, legal notes"
    ),
    DemoLogin(
        "director", Role.DIRECTOR, "Somaly", (), (), "reads every case, impact report, audit log"
    ),
    DemoLogin(
        "admin", Role.ADMINISTRATOR, "Admin", (), (), "accounts, imports, settings; reads cases"
    ),
)

# The figures the records must produce, by year and figure key. Where the
# seed states a number it is copied here; where it rounds ("nearly 69,000",
# "over $924,000") a number that the wording describes is chosen; where it is
# silent the number is a plausible one. Keys missing from a year are not aimed
# at and come out of the records as they fall.
TARGETS: dict[int, dict[str, int | Decimal]] = {
    2009: {
        "reintegration.reintegrated": 90,
        "reintegration.supported": 52,
        "reintegration.startup_kits": 40,
        "reintegration.startup_kit_avg_usd": Decimal("650.00"),
    },
    2010: {
        "outreach.contacts": 61_284,
        "outreach.venues_visited": 874,
        "outreach.clients_educated": 863,
        "supplies.condoms": 742_915,
        "supplies.soaps": 8_960,
        "clinic.consultations": 1_612,
        "clinic.clients": 1_038,
        "clinic.std_tests": 571,
        "clinic.exits_to_shelter": 11,
        "advocacy.meetings": 128,
        "advocacy.agreements": 1,
        "advocacy.event_participants": 3_486,
        "shelter.residents": 290,
        "shelter.education_pct": 95,
        "training.certified": 31,
        "training.internships_started": 25,
        "reintegration.reintegrated": 80,
        "reintegration.supported": 61,
        "reintegration.startup_kits": 47,
        "reintegration.startup_kit_avg_usd": Decimal("680.00"),
        "legal.convictions": 9,
        "funding.directed_usd": Decimal("837412.60"),  # "over $837,000 in 2010"
    },
    2011: {
        "outreach.contacts": 68_937,  # "nearly 69,000 points of contact"
        "outreach.venues_visited": 912,
        "outreach.clients_educated": 986,  # "nearly 1,000 buyers/clients"
        "supplies.condoms": 806_546,  # "806,546 condoms"
        "supplies.soaps": 9_821,  # "9,821 soaps"
        "clinic.consultations": 1_844,  # "1,844 free consultations"
        "clinic.clients": 1_163,
        "clinic.std_tests": 668,  # "668 STD tests"
        "clinic.exits_to_shelter": 14,
        "advocacy.meetings": 153,  # "more than 150 meetings"
        "advocacy.agreements": 2,  # "two groundbreaking agreements"
        "advocacy.event_participants": 4_418,  # "over 4,000 ... participated"
        "shelter.residents": 358,  # "358 residents"
        "shelter.education_pct": 100,  # "residents of all three centers received ..."
        "training.trainees": 248,  # "248 women and girls received skills training"
        "training.certified": 48,  # "48 received formal government certification"
        "training.internships_started": 38,
        "reintegration.reintegrated": 120,  # "120 women left the centers to be reintegrated"
        "reintegration.supported": 94,
        "reintegration.startup_kits": 66,  # "66 of these women received start-up kits"
        "reintegration.startup_kit_avg_usd": Decimal("700.00"),  # "valued at $700"
        "followup.survivors": 227,  # "227 reintegrated women received follow-up visits"
        "legal.convictions": 11,
        "funding.directed_usd": Decimal("924318.45"),  # "over $924,000"
    },
    2012: {
        "outreach.contacts": 71_562,
        "outreach.venues_visited": 950,  # "visited 950 entertainment areas"
        "outreach.clients_educated": 1_047,
        "supplies.condoms": 612_480,  # "over 600,000 condoms"
        "supplies.soaps": 9_214,
        "clinic.consultations": 2_027,
        "clinic.clients": 1_236,  # "over 1,200 women and girls"
        "clinic.std_tests": 712,
        "clinic.exits_to_shelter": 18,  # "18 women and girls ... enroll in an AFESIP center"
        "advocacy.meetings": 141,
        "advocacy.agreements": 3,
        "advocacy.event_participants": 4_730,
        "shelter.residents": 350,  # "350 women and girls received holistic care"
        "shelter.education_pct": 100,  # "100% of shelter residents received basic education"
        "training.completed": 21,  # "21 residents completed basic vocational skills training"
        "training.certified": 9,
        "training.internships_started": 21,  # "... and have begun internships"
        "reintegration.reintegrated": 96,
        "reintegration.supported": 34,  # "34 residents were reintegrated ... microgrants ..."
        "reintegration.startup_kits": 12,
        "reintegration.startup_kit_avg_usd": Decimal("725.00"),
        # "followed up with 135 survivors who left the centers in 2011 or 2010"
        "followup.cohort_followed": 135,
        "legal.convictions": 13,  # "13 court cases ... ended in conviction"
        "funding.directed_usd": Decimal("1016240.00"),
    },
    2013: {"reintegration.reintegrated": 110},
}
HISTORY_YEARS = (2010, 2011, 2012)

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
TRADES = ("sewing", "sewing", "weaving", "salon", "salon", "cooking", "agriculture", "computer")

# Follow-up visits: about every three months after reintegration. Survivors
# reintegrated in 2011 whose follow-up ended within 2011 (lost contact).
FOLLOWUP_EVERY_DAYS = 91
LOST_CONTACT_2011 = 6

VENUE_COUNT = 1_060
OUTREACH_VISITS_PER_VENUE = 2.4
CLINIC_CLIENT_POOL = 2_600

# Around today: how many residents each center has now, and recent leavers.
PRESENT_RESIDENTS = {"TD": 36, "KC": 24, "SR": 30}
PRESENT_REINTEGRATED = 34
PRESENT_REGISTERED = 3  # registered, not yet admitted
# What the store holds at the end of 2012 and today: soaps run low, to show the warning.
HISTORY_STOCK = {"condoms": 9_500, "soaps": 240}
PRESENT_STOCK = {"condoms": 17_500, "soaps": 140}

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

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

PROVINCES = {
    # province: (venue code prefix, weight)
    "Phnom Penh": ("PP", 45),
    "Siem Reap": ("SR", 12),
    "Preah Sihanouk": ("SV", 10),
    "Battambang": ("BB", 8),
    "Banteay Meanchey": ("BM", 7),
    "Kampong Cham": ("KC", 6),
    "Koh Kong": ("KK", 4),
    "Kampot": ("KP", 4),
    "Takeo": ("TK", 4),
}
VENUE_KINDS = {
    "karaoke": 35,
    "brothel": 15,
    "beer_garden": 15,
    "massage": 15,
    "club": 10,
    "street": 7,
    "other": 3,
}
VENUE_WORDS = (
    "Golden",
    "Lucky",
    "Star",
    "Moonlight",
    "Angkor",
    "Mekong",
    "Lotus",
    "Riverside",
    "Orchid",
    "Diamond",
    "Sunrise",
    "Phoenix",
    "Royal",
    "Jasmine",
    "Happy",
    "Paradise",
)
VENUE_KIND_WORDS = {
    "karaoke": "Karaoke",
    "brothel": "Guesthouse",
    "beer_garden": "Beer Garden",
    "massage": "Massage",
    "club": "Club",
    "street": "Street corner",
    "other": "Cafe",
}
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
MEETING_TITLES = {
    "government": (
        "Ministry of Social Affairs: shelter standards",
        "Ministry of Health: HIV/AIDS prevention in entertainment venues",
        "Ministry of Women's Affairs: referral of survivors",
        "Ministry of Interior: anti-trafficking coordination",
        "Provincial Department of Social Affairs: reintegration",
    ),
    "ngo": (
        "NGO network: case referral procedures",
        "INGO partners: resource allocation",
        "Clinic partners: STD/STI treatment referrals",
        "Vocational training partners: internships",
    ),
    "police": (
        "Anti-Human Trafficking Police: rescue procedures",
        "Provincial police: victim-sensitive interviews",
    ),
    "other": ("Business leaders: internship placements", "Media: reporting on trafficking"),
}
AGREEMENT_TITLES = (
    "Agreement on HIV/AIDS prevention in entertainment venues",
    "Agreement on HIV/AIDS care and treatment referrals",
    "Agreement on referral of survivors to vocational training",
)
SMALL_EVENTS = (
    (3, 8, "International Women's Day community forum"),
    (4, 14, "Khmer New Year community gathering"),
    (6, 1, "International Children's Day"),
    (7, 30, "World Day against Trafficking in Persons"),
    (9, 21, "Pchum Ben community gathering"),
)
DISBURSEMENT_RECIPIENTS = (
    # recipient, region, share of the year's money, payments per year
    ("AFESIP Cambodia", "southeast_asia", 0.58, 12),
    ("AFESIP Laos", "southeast_asia", 0.10, 4),
    ("AFESIP Vietnam", "southeast_asia", 0.10, 4),
    ("Shelter partner, United States", "us", 0.14, 4),
    ("Survivor services partner, United States", "us", 0.08, 2),
)


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


def jan1(year: int) -> date:
    return date(year, 1, 1)


def dec31(year: int) -> date:
    return date(year, 12, 31)


def days(n: int) -> timedelta:
    return timedelta(days=n)


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


@dataclass
class Person:
    """A case being generated, with its stays and what happened to it."""

    case: Case
    center: str
    admitted: date
    left: date | None
    stays: list[Stay] = field(default_factory=list)
    reintegrated: bool = False
    training: VocationalTraining | None = None
    support_kind: str = ""


class DemoGenerator:
    """Draws the demo records in memory; `write` stores them in bulk."""

    def __init__(
        self,
        *,
        shelters: dict[str, Shelter],
        teams: dict[str, Team],
        users: dict[str, User],
        today: date,
        supply_items: dict[str, SupplyItem] | None = None,
    ):
        self.rng = random.Random(SEED)
        self.shelters = shelters
        self.teams = teams
        self.supply_items = supply_items or {}
        self.users = users
        self.today = today
        self.people: list[Person] = []
        self.client_codes_issued: set[str] = set()
        self.rows: dict[type, list] = {
            model: []
            for model in (
                EducationRecord,
                VocationalTraining,
                Internship,
                ReintegrationSupport,
                ReintegrationPlan,
                FollowUpVisit,
                LegalCase,
                Venue,
                OutreachVisit,
                SupplyReceipt,
                ClinicClient,
                ClinicVisit,
                Meeting,
                Event,
                Disbursement,
            )
        }

    # -- helpers ----------------------------------------------------------

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

    def values_with_mean(self, n: int, mean: Decimal, lo: int, hi: int) -> list[Decimal]:
        """n dollar amounts between lo and hi (steps of $5) whose mean is exactly `mean`."""
        if not n:
            return []
        cents = [self.rng.randrange(lo, hi + 1, 5) * 100 for _ in range(n)]
        want = int(mean * 100) * n
        while (diff := want - sum(cents)) != 0:
            step = max(-500, min(500, diff))
            i = self.rng.randrange(n)
            if lo * 100 <= cents[i] + step <= hi * 100:
                cents[i] += step
        return [Decimal(c) / 100 for c in cents]

    def names(self, nationality: str) -> tuple[str, str]:
        if nationality == "Vietnamese":
            return self.rng.choice(VIETNAMESE_GIVEN), self.rng.choice(VIETNAMESE_FAMILY)
        script = 1 if self.rng.random() < 0.3 else 0
        return self.rng.choice(GIVEN_NAMES)[script], self.rng.choice(FAMILY_NAMES)[script]

    def new_person(self, *, admitted: date, left: date | None, center: str | None = None):
        center = center or self.weighted(CENTER_WEIGHTS)
        age = self.rng.randint(9, 15) if center == "KC" else self.rng.randint(14, 24)
        nationality = "Vietnamese" if self.rng.random() < 0.06 else "Cambodian"
        case = Case(
            code="",
            sex=Case.Sex.FEMALE,
            birth_year=admitted.year - age,
            nationality=nationality,
            intake_date=admitted - days(self.rng.randint(0, 5)),
            referral_source=self.weighted(REFERRAL_WEIGHTS),
            exploitation_type=self.weighted(
                {"sexual": 78, "labour": 8, "domestic": 7, "marriage": 5, "other": 2}
            ),
        )
        given_name, family_name = self.names(nationality)
        case_set_names(case, given_name=given_name, family_name=family_name)
        person = Person(case=case, center=center, admitted=admitted, left=left)
        self.people.append(person)
        return person

    # -- historical cases and stays ----------------------------------------

    def history_people(self) -> None:
        for (first, last), n in stay_plan().items():
            for _ in range(n):
                if first == last:
                    admitted = self.date_between(jan1(first), date(first, 9, 30))
                    left = self.date_between(admitted + days(60), dec31(last))
                else:
                    admitted = self.date_between(jan1(first), dec31(first))
                    left = self.date_between(max(jan1(last), admitted + days(60)), dec31(last))
                self.new_person(admitted=admitted, left=left)
        # Who of the leavers of each year was reintegrated.
        for year in range(2009, 2014):
            leavers = [p for p in self.people if p.left and p.left.year == year]
            for p in self.rng.sample(leavers, TARGETS[year]["reintegration.reintegrated"]):
                p.reintegrated = True
        for p in self.people:
            self.make_stays(p)

    def make_stays(self, p: Person) -> None:
        if p.left is None:
            exit_reason = ""
        elif p.reintegrated:
            exit_reason = Stay.ExitReason.REINTEGRATED
        else:
            exit_reason = self.weighted({"family": 50, "left": 35, "other": 15})
        center = self.shelters[p.center]
        if p.left and (p.left - p.admitted).days > 300 and self.rng.random() < TRANSFER_SHARE:
            # Some long stays move to another center (girls who grow out of
            # Kampong Cham go on to Tom Dy).
            moved = self.date_between(p.admitted + days(60), p.left - days(60))
            other = self.shelters["TD" if p.center != "TD" else "SR"]
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

    @staticmethod
    def assign_codes(people: list[Person]) -> None:
        """Case codes such as TD-2011-0042, in order of intake."""
        counters: Counter = Counter()
        for p in sorted(people, key=lambda p: p.case.intake_date):
            key = (p.center, p.case.intake_date.year)
            counters[key] += 1
            p.case.code = f"{p.center}-{key[1]}-{counters[key]:04d}"

    # -- classes, trainings, internships ----------------------------------

    def history_education(self) -> None:
        # The residents of 2010 who had no class: enough to give the 2010 share.
        residents_2010 = [p for p in self.people if p.admitted.year <= 2010 <= p.left.year]
        only_2010 = [p for p in residents_2010 if p.admitted.year == p.left.year == 2010]
        target = TARGETS[2010]["shelter.education_pct"]
        total = len(residents_2010)
        missing = next(k for k in range(total + 1) if percentage(total - k, total) == target)
        without = {id(p) for p in self.rng.sample(only_2010, missing)}
        for p in self.people:
            if id(p) in without:
                continue
            self.education_for(p, ended=p.left)

    def education_for(self, p: Person, *, ended: date | None) -> None:
        kc = p.center == "KC"
        # The main course covers the whole stay, so every year of the stay counts.
        self.rows[EducationRecord].append(
            EducationRecord(
                case=p.case,
                course="state_school" if kc else "basic",
                started_on=p.admitted,
                ended_on=ended,
            )
        )
        extra = ["english", "computer"] + ([] if kc else ["literacy", "math"])
        for course in self.rng.sample(extra, self.rng.randint(1, len(extra))):
            start = p.admitted + days(self.rng.randint(7, 60))
            end = start + days(self.rng.randint(60, 200))
            if ended is not None:
                if start > ended:
                    continue
                end = min(end, ended)
            elif start > self.today:
                continue
            elif end > self.today:
                end = None
            self.rows[EducationRecord].append(
                EducationRecord(case=p.case, course=course, started_on=start, ended_on=end)
            )

    def history_trainings(self) -> None:
        taken: set[int] = set()
        pool = [p for p in self.people if p.left is not None]
        for (first, last), n in training_plan().items():
            self.rng.shuffle(pool)
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
                    trade=self.rng.choice(TRADES),
                    started_on=started,
                    completed_on=completed,
                )
                self.rows[VocationalTraining].append(p.training)
                taken.add(id(p))
                made += 1
            if made < n:
                raise ValueError(f"only {made} of {n} trainings {first}-{last} fit the stays")
        for year in HISTORY_YEARS:
            done = [t for t in self.rows[VocationalTraining] if t.completed_on.year == year]
            for i, t in enumerate(self.rng.sample(done, TARGETS[year]["training.certified"])):
                t.certified_on = min(t.completed_on + days(self.rng.randint(7, 45)), dec31(year))
                t.certificate_number = f"MLVT-{year}-{i + 1:04d}"
            for t in self.rng.sample(done, TARGETS[year]["training.internships_started"]):
                start = min(t.completed_on + days(self.rng.randint(5, 25)), dec31(year))
                self.rows[Internship].append(
                    Internship(
                        case=t.case,
                        employer=self.rng.choice(EMPLOYERS),
                        started_on=start,
                        ended_on=start + days(self.rng.randint(45, 90)),
                    )
                )

    def training_dates(self, p: Person, first: int, last: int):
        lo = max(p.admitted + days(7), jan1(first))
        hi = min(p.left - days(30), dec31(first))
        for _ in range(6):
            if hi < lo:
                return None
            started = self.date_between(lo, hi)
            end_lo = max(jan1(last), started + days(90))
            end_hi = min(dec31(last), p.left - days(3), started + days(540))
            if end_lo <= end_hi:
                return started, self.date_between(end_lo, end_hi)
        return None

    # -- reintegration support and follow-up visits ------------------------

    def history_support(self) -> None:
        for year in range(2009, 2013):
            t = TARGETS[year]
            reintegrated = [p for p in self.people if p.reintegrated and p.left.year == year]
            chosen = self.rng.sample(reintegrated, t["reintegration.supported"])
            kits = chosen[: t["reintegration.startup_kits"]]
            values = self.values_with_mean(
                len(kits), t["reintegration.startup_kit_avg_usd"], 450, 950
            )
            for p, value in zip(kits, values, strict=True):
                trade = p.training.get_trade_display() if p.training else "small shop"
                self.support(p, "startup_kit", p.left, value, f"Start-up kit: {trade}")
            for p in chosen[len(kits) :]:
                self.other_support(p, p.left)

    def support(self, p: Person, kind: str, given: date, value, details: str = "") -> None:
        p.support_kind = p.support_kind or kind
        self.rows[ReintegrationSupport].append(
            ReintegrationSupport(
                case=p.case, kind=kind, given_on=given, value_usd=value, details=details
            )
        )

    def other_support(self, p: Person, given: date) -> None:
        kind = self.weighted({"microgrant": 55, "job_placement": 35, "tuition": 10})
        value = {
            "microgrant": Decimal(self.rng.randrange(150, 401, 25)),
            "job_placement": None,
            "tuition": Decimal(self.rng.randrange(400, 1201, 50)),
        }[kind]
        self.support(p, kind, given, value)

    def history_followups(self) -> None:
        """Visits about every three months after reintegration, ending in chosen years.

        A survivor is visited in every year from her first visit to the year
        her follow-up ends, so choosing those end years sets who is counted.
        """
        by_year = {
            y: [p for p in self.people if p.reintegrated and p.left.year == y]
            for y in range(2009, 2014)
        }
        end: dict[int, int] = {}
        first_visit = {id(p): self.visit_dates(p)[0][1].year for ps in by_year.values() for p in ps}
        # Reintegrated in 2011: all followed into 2012 except a few lost in 2011.
        early_2011 = [p for p in by_year[2011] if first_visit[id(p)] == 2011]
        lost = {id(p) for p in self.rng.sample(early_2011, LOST_CONTACT_2011)}
        for p in by_year[2011]:
            end[id(p)] = 2011 if id(p) in lost else self.rng.choice((2012, 2012, 2013))
        # Reintegrated in 2010: every one visited in 2011; some still in 2012,
        # enough to make up the 2012 cohort.
        continuing_2010 = TARGETS[2012]["followup.cohort_followed"] - (
            len(by_year[2011]) - LOST_CONTACT_2011
        )
        still = {id(p) for p in self.rng.sample(by_year[2010], continuing_2010)}
        for p in by_year[2010]:
            end[id(p)] = 2012 if id(p) in still else 2011
        # Reintegrated in 2009: enough still visited in 2011 to make the 2011 survivors.
        visited_2011 = len(early_2011) + len(by_year[2010])
        late_2009 = TARGETS[2011]["followup.survivors"] - visited_2011
        still = {id(p) for p in self.rng.sample(by_year[2009], late_2009)}
        for p in by_year[2009]:
            end[id(p)] = 2011 if id(p) in still else 2010
        for y in (2012, 2013):
            for p in by_year[y]:
                end[id(p)] = y + 1
        for ps in by_year.values():
            for p in ps:
                self.plan_for(p, officer=None)
                self.followups_for(p, end[id(p)], lost=id(p) in lost)

    def plan_for(self, p: Person, *, officer: User | None) -> None:
        pathway = {
            "startup_kit": "own_business",
            "microgrant": "own_business",
            "job_placement": "employment",
            "tuition": "education",
        }.get(p.support_kind, "family")
        self.rows[ReintegrationPlan].append(
            ReintegrationPlan(case=p.case, pathway=pathway, officer=officer, reintegrated_on=p.left)
        )

    def visit_dates(self, p: Person) -> list[tuple[date, date]]:
        """(due, visited) every three months from leaving, a little early or late.

        Drawn from the person's own random stream so that it is the same
        whenever it is asked for.
        """
        rng = random.Random(f"{SEED}-{p.case.code}")
        out = []
        for k in range(1, 24):
            due = p.left + days(FOLLOWUP_EVERY_DAYS * k + rng.randint(-3, 3))
            late = rng.choices((rng.randint(-7, 10), rng.randint(15, 40)), weights=(85, 15))[0]
            out.append((due, due + days(late)))
        return out

    def followups_for(self, p: Person, end_year: int, *, lost: bool) -> None:
        visits = [(d, v) for d, v in self.visit_dates(p) if v.year <= end_year]
        roles = {"social_worker": 50, "medical": 15, "trainer": 12, "psychologist": 13}
        for i, (due, visited) in enumerate(visits):
            last = i == len(visits) - 1
            outcome = self.weighted({"stable": 70, "needs_support": 22, "at_risk": 8})
            self.rows[FollowUpVisit].append(
                FollowUpVisit(
                    case=p.case,
                    sequence=i + 1,
                    due_on=due,
                    visited_on=visited,
                    visitor_role=self.weighted(roles | {"legal": 10}),
                    outcome="lost_contact" if lost and last else outcome,
                )
            )

    # -- court cases ----------------------------------------------------------

    def history_legal(self) -> None:
        counter = 0
        candidates = [p for p in self.people if p.case.exploitation_type == "sexual"]
        plan = []
        for year in (2009, *HISTORY_YEARS, 2013):
            convictions = TARGETS.get(year, {}).get("legal.convictions", self.rng.randint(6, 10))
            plan += [(year, "conviction")] * convictions
            plan += [(year, o) for o in ("acquittal", "dismissed", "withdrawn")]
            plan += [(year, "acquittal")] * self.rng.randint(0, 2)
        for year, outcome in plan:
            closed = self.date_between(jan1(year), dec31(year))
            p = self.rng.choice([p for p in candidates if p.case.intake_date <= closed - days(120)])
            opened = self.date_between(
                max(p.case.intake_date, closed - days(600)), closed - days(120)
            )
            counter += 1
            self.rows[LegalCase].append(
                LegalCase(
                    reference=f"CR-{opened.year}-{counter:04d}",
                    case=p.case,
                    opened_on=opened,
                    outcome=outcome,
                    closed_on=closed,
                )
            )

    # -- outreach, clinic, advocacy, funding ------------------------------------

    def venues(self) -> None:
        numbers: Counter = Counter()
        weights = {name: w for name, (_, w) in PROVINCES.items()}
        for _ in range(VENUE_COUNT):
            province = self.weighted(weights)
            kind = self.weighted(VENUE_KINDS)
            prefix = PROVINCES[province][0]
            numbers[prefix] += 1
            words = self.rng.sample(VENUE_WORDS, 2)
            name = (
                f"Street {self.rng.randint(2, 600)}"
                if kind == "street"
                else f"{words[0]} {words[1]} {VENUE_KIND_WORDS[kind]}"
            )
            self.rows[Venue].append(
                Venue(
                    code=f"{prefix}-{numbers[prefix]:04d}",
                    name=name,
                    kind=kind,
                    province=province,
                    active=self.rng.random() > 0.08,
                )
            )

    def history_outreach(self, year: int) -> None:
        t = TARGETS[year]
        visited = self.rng.sample(self.rows[Venue], t["outreach.venues_visited"])
        n = round(len(visited) * OUTREACH_VISITS_PER_VENUE)
        venues = visited + [self.rng.choice(visited) for _ in range(n - len(visited))]
        contacts = self.split_total(t["outreach.contacts"], n)
        clients = self.split_total(t["outreach.clients_educated"], n, share=0.3)
        condoms = self.split_total(t["supplies.condoms"], n, share=0.95)
        soaps = self.split_total(t["supplies.soaps"], n, share=0.4)
        for i, venue in enumerate(venues):
            self.rows[OutreachVisit].append(
                OutreachVisit(
                    venue=venue,
                    team=self.teams["outreach"],
                    visited_on=self.date_between(jan1(year), dec31(year)),
                    contacts=contacts[i],
                    clients_educated=clients[i],
                    condoms=condoms[i],
                    soaps=soaps[i],
                )
            )

    def client_codes(self, n: int) -> list[str]:
        """New anonymous client codes in the clinic's own format (CL-7KQ4M9)."""
        codes: list[str] = []
        while len(codes) < n:
            code = CLIENT_CODE_PREFIX + "".join(self.rng.choices(CLIENT_CODE_ALPHABET, k=6))
            if code not in self.client_codes_issued:
                self.client_codes_issued.add(code)
                codes.append(code)
                self.rows[ClinicClient].append(ClinicClient(code=code))
        return codes

    def supply_receipts(self, first: date, last: date, *, stock_after: dict[str, int]) -> None:
        """Monthly deliveries of condoms and soaps from `first` to `last`: what
        the visits handed out, leaving `stock_after` of each in the store."""
        months = [
            d
            for d in (date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13))
            if first <= d <= last
        ]
        for code, source in ((SupplyItem.CONDOMS, "PSI Cambodia"), (SupplyItem.SOAPS, "Donation")):
            item = self.supply_items.get(code)
            if item is None or not months:
                continue
            received = sum(r.quantity for r in self.rows[SupplyReceipt] if r.item is item)
            handed_out = sum(
                getattr(v, code) for v in self.rows[OutreachVisit] if v.visited_on <= last
            )
            needed = stock_after[code] + handed_out - received
            if needed <= 0:
                continue
            for month, quantity in zip(
                months, self.split_total(needed, len(months), spread=0.3), strict=True
            ):
                if quantity:
                    self.rows[SupplyReceipt].append(
                        SupplyReceipt(
                            item=item, received_on=month, quantity=quantity, source=source
                        )
                    )

    def history_clinic(self, year: int, pool: list[str]) -> None:
        t = TARGETS[year]
        clients = self.rng.sample(pool, t["clinic.clients"])
        repeats = [
            self.rng.choice(clients) for _ in range(t["clinic.consultations"] - len(clients))
        ]
        visits = [
            ClinicVisit(
                client_code=code,
                team=self.teams["clinic"],
                visited_on=self.date_between(jan1(year), dec31(year)),
                service=self.weighted({"consultation": 55, "treatment": 25, "counselling": 20}),
            )
            for code in clients + repeats
        ]
        for v in self.rng.sample(visits, t["clinic.std_tests"]):
            v.std_test = True
        # Clients who decided to leave and enrolled in a center that year.
        admitted = [
            p
            for p in self.people
            if p.admitted.year == year and p.admitted >= date(year, 1, 20) and p.stays
        ]
        first_visit = {}
        for v in visits:
            first_visit.setdefault(v.client_code, v)
        for code, p in zip(
            self.rng.sample(clients, t["clinic.exits_to_shelter"]),
            self.rng.sample(admitted, t["clinic.exits_to_shelter"]),
            strict=True,
        ):
            v = first_visit[code]
            p.case.referral_source = Case.ReferralSource.CLINIC
            p.case.intake_date = p.admitted - days(self.rng.randint(0, 3))
            v.visited_on = p.case.intake_date - days(self.rng.randint(1, 7))
            v.enrolled_case = p.case
            v.decided_to_leave = True
            v.referred_to = p.stays[0].shelter
        self.rows[ClinicVisit] += visits

    def history_advocacy(self, year: int) -> None:
        t = TARGETS[year]
        agreements = set(self.rng.sample(range(t["advocacy.meetings"]), t["advocacy.agreements"]))
        agreement_titles = iter(AGREEMENT_TITLES)
        for i in range(t["advocacy.meetings"]):
            counterpart = self.weighted({"government": 45, "ngo": 35, "police": 12, "other": 8})
            if i in agreements:
                counterpart, title = "government", next(agreement_titles)
            else:
                title = self.rng.choice(MEETING_TITLES[counterpart])
            self.rows[Meeting].append(
                Meeting(
                    team=self.teams["advocacy"],
                    held_on=self.date_between(jan1(year), dec31(year)),
                    counterpart=counterpart,
                    title=title,
                    agreement_reached=i in agreements,
                )
            )
        small = [
            Event(
                held_on=date(year, m, d),
                title=title,
                participants=self.rng.randint(25, 75),
                team=self.teams["advocacy"],
            )
            for m, d, title in SMALL_EVENTS
        ]
        # The annual Anti-Trafficking Day on 10 December carries most of them.
        main = t["advocacy.event_participants"] - sum(e.participants for e in small)
        ordinal = {2009: "First", 2010: "Second", 2011: "Third", 2012: "Fourth"}[year]
        small.append(
            Event(
                team=self.teams["advocacy"],
                held_on=date(year, 12, 10),
                title=f"{ordinal} annual Anti-Trafficking Day",
                participants=main,
            )
        )
        self.rows[Event] += small

    def disbursements(self, year: int, total_cents: int, recipients=DISBURSEMENT_RECIPIENTS):
        shares = [r[2] for r in recipients]
        amounts = [int(total_cents * s / sum(shares)) for s in shares]
        amounts[0] += total_cents - sum(amounts)
        for (recipient, region, _, times), amount in zip(recipients, amounts, strict=True):
            for i, part in enumerate(self.split_total(amount, times, spread=0.15)):
                month = 1 + i * (12 // times)
                given = date(year, month, self.rng.randint(5, 25))
                if given > self.today:
                    continue
                self.rows[Disbursement].append(
                    Disbursement(
                        given_on=given,
                        recipient=recipient,
                        region=region,
                        amount_usd=Decimal(part) / 100,
                    )
                )

    def history(self) -> None:
        self.history_people()
        self.assign_codes(self.people)
        self.history_education()
        self.history_trainings()
        self.history_support()
        self.history_followups()
        self.history_legal()
        self.venues()
        pool = self.client_codes(CLINIC_CLIENT_POOL)
        for year in HISTORY_YEARS:
            self.history_outreach(year)
            self.history_clinic(year, pool)
            self.history_advocacy(year)
            recipients = DISBURSEMENT_RECIPIENTS
            if year == 2010:  # after the earthquake
                recipients += (("Haiti earthquake relief partner", "haiti", 0.05, 2),)
            total = int(TARGETS[year]["funding.directed_usd"] * 100)
            self.disbursements(year, total, recipients)
        self.supply_receipts(date(2010, 1, 1), date(2012, 12, 31), stock_after=HISTORY_STOCK)

    # -- around today --------------------------------------------------------------

    def present(self) -> None:
        """Current residents, recent leavers with visits due, recent outreach.

        Drawn from its own random stream, relative to today, so the history
        stays the same whatever day the demo is seeded on.
        """
        self.rng = random.Random(SEED + 1)
        today = self.today
        first_new = len(self.people)
        owners = {"TD": self.users.get("sw.tomdy"), "SR": self.users.get("sw.siemreap")}
        for center, n in PRESENT_RESIDENTS.items():
            for _ in range(n):
                admitted = today - days(self.rng.randint(7, 540))
                p = self.new_person(admitted=admitted, left=None, center=center)
                p.case.assigned_social_worker = owners.get(center)
                self.make_stays(p)
                self.education_for(p, ended=None)
                self.present_training(p)
        for _ in range(PRESENT_REINTEGRATED):
            left = today - days(self.rng.randint(20, 600))
            admitted = left - days(self.rng.randint(200, 700))
            p = self.new_person(admitted=admitted, left=left)
            p.reintegrated = True
            self.make_stays(p)
            self.education_for(p, ended=left)
            if self.rng.random() < 0.6:
                value = Decimal(self.rng.randrange(550, 851, 5))
                self.support(p, "startup_kit", left, value, "Start-up kit")
            else:
                self.other_support(p, left)
        for _ in range(PRESENT_REGISTERED):
            p = self.new_person(admitted=today - days(self.rng.randint(0, 4)), left=None)
            p.case.intake_date = p.admitted
            p.admitted = None  # registered, waiting for a bed
        new = self.people[first_new:]
        self.assign_codes(new)
        for p in new:
            if p.reintegrated:
                self.plan_for(p, officer=self.users.get("reintegration"))
                self.present_followups(p)
        self.present_outreach()
        self.present_legal(new)
        for p in new:
            assert p.case.intake_date.year > 2013, "present-day data must not touch history"

    def present_training(self, p: Person) -> None:
        started = p.admitted + days(self.rng.randint(20, 60))
        if started > self.today or self.rng.random() < 0.25:
            return
        completed = started + days(self.rng.randint(150, 330))
        t = VocationalTraining(case=p.case, trade=self.rng.choice(TRADES), started_on=started)
        if completed <= self.today:
            t.completed_on = completed
            if self.rng.random() < 0.4 and completed + days(30) <= self.today:
                t.certified_on = completed + days(30)
            internship = completed + days(self.rng.randint(5, 25))
            if internship <= self.today and self.rng.random() < 0.5:
                self.rows[Internship].append(
                    Internship(
                        case=p.case, employer=self.rng.choice(EMPLOYERS), started_on=internship
                    )
                )
        self.rows[VocationalTraining].append(t)

    def present_followups(self, p: Person) -> None:
        """Past visits made; the latest perhaps overdue; the next one due."""
        officer = self.users.get("reintegration")
        for i, (due, visited) in enumerate(self.visit_dates(p)):
            if due > self.today:
                self.rows[FollowUpVisit].append(
                    FollowUpVisit(case=p.case, sequence=i + 1, due_on=due, assigned_to=officer)
                )
                break
            overdue = due > self.today - days(45) and self.rng.random() < 0.5
            made = not overdue and visited <= self.today
            self.rows[FollowUpVisit].append(
                FollowUpVisit(
                    case=p.case,
                    sequence=i + 1,
                    due_on=due,
                    visited_on=visited if made else None,
                    visitor_role="social_worker" if made else "",
                    outcome=self.weighted({"stable": 75, "needs_support": 25}) if made else "",
                    assigned_to=officer,
                )
            )

    def present_outreach(self) -> None:
        today = self.today
        venues = self.rng.sample(self.rows[Venue], 90)
        for _ in range(150):
            self.rows[OutreachVisit].append(
                OutreachVisit(
                    venue=self.rng.choice(venues),
                    team=self.teams["outreach"],
                    visited_on=today - days(self.rng.randint(0, 60)),
                    contacts=self.rng.randint(5, 40),
                    clients_educated=self.rng.choice((0, 0, 0, 1, 2)),
                    condoms=self.rng.randint(50, 400),
                    soaps=self.rng.choice((0, 0, 2, 5)),
                )
            )
        clients = self.client_codes(70)
        for _ in range(110):
            self.rows[ClinicVisit].append(
                ClinicVisit(
                    client_code=self.rng.choice(clients),
                    team=self.teams["clinic"],
                    visited_on=today - days(self.rng.randint(0, 60)),
                    service=self.weighted({"consultation": 55, "treatment": 25, "counselling": 20}),
                    std_test=self.rng.random() < 0.35,
                )
            )
        for _ in range(8):
            counterpart = self.weighted({"government": 45, "ngo": 35, "police": 12, "other": 8})
            self.rows[Meeting].append(
                Meeting(
                    team=self.teams["advocacy"],
                    held_on=today - days(self.rng.randint(0, 90)),
                    counterpart=counterpart,
                    title=self.rng.choice(MEETING_TITLES[counterpart]),
                )
            )
        self.disbursements(today.year, 61_250_000)
        self.supply_receipts(today - days(60), today, stock_after=PRESENT_STOCK)

    def present_legal(self, new: list[Person]) -> None:
        residents = [p for p in new if p.admitted and p.case.exploitation_type == "sexual"]
        for i, p in enumerate(self.rng.sample(residents, 8)):
            self.rows[LegalCase].append(
                LegalCase(
                    reference=f"CR-{p.admitted.year}-9{i + 1:03d}",
                    case=p.case,
                    opened_on=p.admitted + days(self.rng.randint(3, 30)),
                )
            )

    # -- storing --------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        """Store everything in bulk, parents before children; row counts by table."""
        batch = 1000
        Case.objects.bulk_create([p.case for p in self.people], batch_size=batch)
        stays = [s for p in self.people for s in p.stays]
        Stay.objects.bulk_create(stays, batch_size=batch)
        counts = {"cases": len(self.people), "stays": len(stays)}
        for model, objs in self.rows.items():
            model.objects.bulk_create(objs, batch_size=batch)
            counts[str(model._meta.verbose_name_plural)] = len(objs)
        return counts


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


class DemoRefused(Exception):
    """The database holds records that are not demo data."""


def demo_present() -> bool:
    return AuditLog.objects.filter(action=MARKER_ACTION).exists()


def holds_other_records() -> bool:
    return any(
        model.objects.exists()
        for model in (Case, Shelter, Venue, OutreachVisit, ClinicVisit, Meeting, Disbursement)
    )


def demo_logins_sync(*, password: str) -> list[tuple[DemoLogin, User]]:
    """Create or update the centers, teams and one login per role."""
    roles_sync()
    shelters = {}
    for code, name, province, capacity in CENTERS:
        shelters[code], _ = Shelter.objects.update_or_create(
            code=code, defaults={"name": name, "province": province, "capacity": capacity}
        )
    teams = {}
    for code, name, kind in TEAMS:
        teams[code], _ = Team.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    out = []
    for login in DEMO_LOGINS:
        user = staff_create(
            username=login.username,
            password=password,
            roles=[login.role],
            teams=[teams[t] for t in login.teams],
            first_name=login.first_name,
            email=f"{login.username}@demo.invalid",
        )
        center_staff_set(user=user, centers=[shelters[c] for c in login.centers])
        out.append((login, user))
    # The reintegration team serves every center (its officers plan a
    # reintegration before the survivor leaves); its officer leads it.
    reintegration = teams["reintegration"]
    for shelter in shelters.values():
        TeamCenter.objects.get_or_create(team=reintegration, center=shelter)
    lead = next(user for login, user in out if login.role == Role.REINTEGRATION_OFFICER)
    TeamLead.objects.update_or_create(team=reintegration, defaults={"user": lead})
    return out


@transaction.atomic
def demo_seed(*, password: str, today: date | None = None) -> dict:
    """Fill an empty database with the demo; on a demo database, update the logins.

    Returns {"created": bool, "logins": [...], "counts": {table: rows}}.
    Refuses (DemoRefused) when the database holds records of its own.
    """
    present = demo_present()
    if not present and holds_other_records():
        raise DemoRefused(
            "The database already holds centers or records that are not demo data; "
            "the demo is only seeded into an empty database."
        )
    logins = demo_logins_sync(password=password)
    if present:
        return {"created": False, "logins": logins, "counts": {}}
    generator = DemoGenerator(
        shelters={s.code: s for s in Shelter.objects.all()},
        teams={t.code: t for t in Team.objects.all()},
        supply_items={i.code: i for i in SupplyItem.objects.all()},
        users={login.username: user for login, user in logins},
        today=today or date.today(),
    )
    generator.history()
    generator.present()
    counts = generator.write()
    audit_record(user=None, action=MARKER_ACTION, details={"seed": SEED, **counts})
    return {"created": True, "logins": logins, "counts": counts}
