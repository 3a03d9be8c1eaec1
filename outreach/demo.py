"""The demo's outreach: venues, outreach and clinic visits, the store's
deliveries, meetings and events, and the money directed to partners each year
as disbursements (smf/core/demo.py runs it).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from cases.models import Case
from smf.core.demo import DemoGenerator, days, dec31, demo_generator, jan1

from .models import (
    ClinicClient,
    ClinicVisit,
    Disbursement,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Venue,
)
from .services import CLIENT_CODE_ALPHABET, CLIENT_CODE_PREFIX

# The figures the records must produce, by year (see reports/selectors.py).
TARGETS: dict[int, dict[str, int]] = {
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
    },
}

VENUE_COUNT = 1_060
OUTREACH_VISITS_PER_VENUE = 2.4
CLINIC_CLIENT_POOL = 2_600
# What the store holds at the end of 2012 and today: soaps run low, to show the warning.
HISTORY_STOCK = {"condoms": 9_500, "soaps": 240}
PRESENT_STOCK = {"condoms": 17_500, "soaps": 140}

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
COUNTERPARTS = {"government": 45, "ngo": 35, "police": 12, "other": 8}
CLINIC_SERVICES = {"consultation": 55, "treatment": 25, "counselling": 20}

# The money directed each year (funding.directed_usd), in dollars.
DIRECTED_USD = {
    2010: Decimal("837412.60"),  # "over $837,000 in 2010"
    2011: Decimal("924318.45"),  # "over $924,000"
    2012: Decimal("1016240.00"),
}
PRESENT_DIRECTED_CENTS = 61_250_000  # so far this year
RECIPIENTS = (
    # recipient, region, share of the year's money, payments per year
    ("AFESIP Cambodia", "southeast_asia", 0.58, 12),
    ("AFESIP Laos", "southeast_asia", 0.10, 4),
    ("AFESIP Vietnam", "southeast_asia", 0.10, 4),
    ("Shelter partner, United States", "us", 0.14, 4),
    ("Survivor services partner, United States", "us", 0.08, 2),
)
# 2010, after the earthquake.
HAITI = ("Haiti earthquake relief partner", "haiti", 0.05, 2)


@demo_generator
class OutreachDemo(DemoGenerator):
    tables = (
        Venue,
        OutreachVisit,
        SupplyReceipt,
        ClinicClient,
        ClinicVisit,
        Meeting,
        Event,
        Disbursement,
    )
    holds = (Venue, OutreachVisit, ClinicVisit, Meeting, Disbursement)

    def prepare(self) -> None:
        self.supply_items = {i.code: i for i in SupplyItem.objects.all()}
        self.client_codes_issued: set[str] = set()
        self.client_pool: list[str] = []

    # -- helpers ----------------------------------------------------------------

    def client_codes(self, n: int) -> list[str]:
        """New anonymous client codes in the clinic's own format (CL-7KQ4M9)."""
        codes: list[str] = []
        while len(codes) < n:
            code = CLIENT_CODE_PREFIX + "".join(self.ctx.rng.choices(CLIENT_CODE_ALPHABET, k=6))
            if code not in self.client_codes_issued:
                self.client_codes_issued.add(code)
                codes.append(code)
                self.ctx.add(ClinicClient(code=code))
        return codes

    def supply_receipts(self, first: date, last: date, *, stock_after: dict[str, int]) -> None:
        """Monthly deliveries of condoms and soaps from `first` to `last`: what
        the visits handed out, leaving `stock_after` of each in the store."""
        rows = self.ctx.rows
        months = [
            d
            for d in (date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13))
            if first <= d <= last
        ]
        for code, source in ((SupplyItem.CONDOMS, "PSI Cambodia"), (SupplyItem.SOAPS, "Donation")):
            item = self.supply_items.get(code)
            if item is None or not months:
                continue
            received = sum(r.quantity for r in rows[SupplyReceipt] if r.item is item)
            handed_out = sum(getattr(v, code) for v in rows[OutreachVisit] if v.visited_on <= last)
            needed = stock_after[code] + handed_out - received
            if needed <= 0:
                continue
            for month, quantity in zip(
                months, self.ctx.split_total(needed, len(months), spread=0.3), strict=True
            ):
                if quantity:
                    self.ctx.add(
                        SupplyReceipt(
                            item=item, received_on=month, quantity=quantity, source=source
                        )
                    )

    def disbursements(self, year: int, total_cents: int, recipients=RECIPIENTS) -> None:
        """The year's money in payments to each recipient, none after today."""
        ctx = self.ctx
        shares = [r[2] for r in recipients]
        amounts = [int(total_cents * s / sum(shares)) for s in shares]
        amounts[0] += total_cents - sum(amounts)
        for (recipient, region, _, times), amount in zip(recipients, amounts, strict=True):
            for i, part in enumerate(ctx.split_total(amount, times, spread=0.15)):
                month = 1 + i * (12 // times)
                given = date(year, month, ctx.rng.randint(5, 25))
                if given > ctx.today:
                    continue
                ctx.add(
                    Disbursement(
                        given_on=given,
                        recipient=recipient,
                        region=region,
                        amount_usd=Decimal(part) / 100,
                    )
                )

    # -- the history --------------------------------------------------------------

    def history_records(self) -> None:
        """The venues the teams visit, and the clinic's clients."""
        ctx = self.ctx
        numbers: Counter = Counter()
        weights = {name: w for name, (_, w) in PROVINCES.items()}
        for _ in range(VENUE_COUNT):
            province = ctx.weighted(weights)
            kind = ctx.weighted(VENUE_KINDS)
            prefix = PROVINCES[province][0]
            numbers[prefix] += 1
            words = ctx.rng.sample(VENUE_WORDS, 2)
            name = (
                f"Street {ctx.rng.randint(2, 600)}"
                if kind == "street"
                else f"{words[0]} {words[1]} {VENUE_KIND_WORDS[kind]}"
            )
            ctx.add(
                Venue(
                    code=f"{prefix}-{numbers[prefix]:04d}",
                    name=name,
                    kind=kind,
                    province=province,
                    active=ctx.rng.random() > 0.08,
                )
            )
        self.client_pool = self.client_codes(CLINIC_CLIENT_POOL)

    def history_year(self, year: int) -> None:
        self.history_outreach(year)
        self.history_clinic(year)
        self.history_advocacy(year)
        # Drawn last in the year, as when the reports app drew them after outreach.
        recipients = RECIPIENTS + (HAITI,) if year == 2010 else RECIPIENTS
        self.disbursements(year, int(DIRECTED_USD[year] * 100), recipients)

    def history_outreach(self, year: int) -> None:
        ctx, t = self.ctx, TARGETS[year]
        visited = ctx.rng.sample(ctx.rows[Venue], t["outreach.venues_visited"])
        n = round(len(visited) * OUTREACH_VISITS_PER_VENUE)
        venues = visited + [ctx.rng.choice(visited) for _ in range(n - len(visited))]
        contacts = ctx.split_total(t["outreach.contacts"], n)
        clients = ctx.split_total(t["outreach.clients_educated"], n, share=0.3)
        condoms = ctx.split_total(t["supplies.condoms"], n, share=0.95)
        soaps = ctx.split_total(t["supplies.soaps"], n, share=0.4)
        for i, venue in enumerate(venues):
            ctx.add(
                OutreachVisit(
                    venue=venue,
                    team=ctx.teams["outreach"],
                    visited_on=ctx.date_between(jan1(year), dec31(year)),
                    contacts=contacts[i],
                    clients_educated=clients[i],
                    condoms=condoms[i],
                    soaps=soaps[i],
                )
            )

    def history_clinic(self, year: int) -> None:
        ctx, t = self.ctx, TARGETS[year]
        clients = ctx.rng.sample(self.client_pool, t["clinic.clients"])
        repeats = [ctx.rng.choice(clients) for _ in range(t["clinic.consultations"] - len(clients))]
        visits = [
            ClinicVisit(
                client_code=code,
                team=ctx.teams["clinic"],
                visited_on=ctx.date_between(jan1(year), dec31(year)),
                service=ctx.weighted(CLINIC_SERVICES),
            )
            for code in clients + repeats
        ]
        for v in ctx.rng.sample(visits, t["clinic.std_tests"]):
            v.std_test = True
        # Clients who decided to leave and enrolled in a center that year: her
        # case says the clinic referred her, taken in a few days before admission.
        admitted = [
            p
            for p in ctx.people
            if p.admitted.year == year and p.admitted >= date(year, 1, 20) and p.stays
        ]
        first_visit = {}
        for v in visits:
            first_visit.setdefault(v.client_code, v)
        for code, p in zip(
            ctx.rng.sample(clients, t["clinic.exits_to_shelter"]),
            ctx.rng.sample(admitted, t["clinic.exits_to_shelter"]),
            strict=True,
        ):
            v = first_visit[code]
            p.case.referral_source = Case.ReferralSource.CLINIC
            p.case.intake_date = p.admitted - days(ctx.rng.randint(0, 3))
            v.visited_on = p.case.intake_date - days(ctx.rng.randint(1, 7))
            v.enrolled_case = p.case
            v.decided_to_leave = True
            v.referred_to = p.stays[0].shelter
        ctx.add(*visits)

    def history_advocacy(self, year: int) -> None:
        ctx, t = self.ctx, TARGETS[year]
        advocacy = ctx.teams["advocacy"]
        agreements = set(ctx.rng.sample(range(t["advocacy.meetings"]), t["advocacy.agreements"]))
        agreement_titles = iter(AGREEMENT_TITLES)
        for i in range(t["advocacy.meetings"]):
            counterpart = ctx.weighted(COUNTERPARTS)
            if i in agreements:
                counterpart, title = "government", next(agreement_titles)
            else:
                title = ctx.rng.choice(MEETING_TITLES[counterpart])
            ctx.add(
                Meeting(
                    team=advocacy,
                    held_on=ctx.date_between(jan1(year), dec31(year)),
                    counterpart=counterpart,
                    title=title,
                    agreement_reached=i in agreements,
                )
            )
        small = [
            Event(
                held_on=date(year, m, d),
                title=title,
                participants=ctx.rng.randint(25, 75),
                team=advocacy,
            )
            for m, d, title in SMALL_EVENTS
        ]
        # The annual Anti-Trafficking Day on 10 December carries most of them.
        main = t["advocacy.event_participants"] - sum(e.participants for e in small)
        ordinal = {2009: "First", 2010: "Second", 2011: "Third", 2012: "Fourth"}[year]
        small.append(
            Event(
                team=advocacy,
                held_on=date(year, 12, 10),
                title=f"{ordinal} annual Anti-Trafficking Day",
                participants=main,
            )
        )
        ctx.add(*small)

    def history_closing(self) -> None:
        self.supply_receipts(date(2010, 1, 1), date(2012, 12, 31), stock_after=HISTORY_STOCK)

    # -- around today -------------------------------------------------------------

    def present_year(self, year: int) -> None:
        """Recent outreach and clinic visits, meetings, and this year's disbursements."""
        ctx = self.ctx
        today = ctx.today
        venues = ctx.rng.sample(ctx.rows[Venue], 90)
        for _ in range(150):
            ctx.add(
                OutreachVisit(
                    venue=ctx.rng.choice(venues),
                    team=ctx.teams["outreach"],
                    visited_on=today - days(ctx.rng.randint(0, 60)),
                    contacts=ctx.rng.randint(5, 40),
                    clients_educated=ctx.rng.choice((0, 0, 0, 1, 2)),
                    condoms=ctx.rng.randint(50, 400),
                    soaps=ctx.rng.choice((0, 0, 2, 5)),
                )
            )
        clients = self.client_codes(70)
        for _ in range(110):
            ctx.add(
                ClinicVisit(
                    client_code=ctx.rng.choice(clients),
                    team=ctx.teams["clinic"],
                    visited_on=today - days(ctx.rng.randint(0, 60)),
                    service=ctx.weighted(CLINIC_SERVICES),
                    std_test=ctx.rng.random() < 0.35,
                )
            )
        for _ in range(8):
            counterpart = ctx.weighted(COUNTERPARTS)
            ctx.add(
                Meeting(
                    team=ctx.teams["advocacy"],
                    held_on=today - days(ctx.rng.randint(0, 90)),
                    counterpart=counterpart,
                    title=ctx.rng.choice(MEETING_TITLES[counterpart]),
                )
            )
        self.disbursements(year, PRESENT_DIRECTED_CENTS)

    def present_closing(self) -> None:
        today = self.ctx.today
        self.supply_receipts(today - days(60), today, stock_after=PRESENT_STOCK)
