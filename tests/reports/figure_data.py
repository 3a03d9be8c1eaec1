"""A random organisation for the figure tests: every kind of record a figure
counts, with dates spread over 2009-2012 and edges (open stays, visits
without a due date, kits without a value) drawn often."""

from __future__ import annotations

import random
from datetime import date, timedelta

from cases.models import LegalCase
from reintegration.models import FollowUpVisit, ReintegrationSupport
from shelters.models import Stay, VocationalTraining
from tests import factories as f

START = date(2009, 1, 1)
DAYS = 4 * 365


def _day(rng: random.Random, after: date = START, span: int = DAYS) -> date:
    return after + timedelta(days=rng.randrange(span))


def _maybe(rng: random.Random, p: float, value):
    return value if rng.random() < p else None


def random_organisation(seed: int, cases: int = 40) -> None:
    rng = random.Random(seed)
    centers = [f.shelter(f"R{seed}{i}") for i in range(3)]
    people = []
    for i in range(cases):
        person = f.case(f"RND{seed}-{i:03d}", intake_date=_day(rng))
        people.append(person)
        admitted = _day(rng)
        for _ in range(rng.randint(1, 2)):
            left = _maybe(rng, 0.7, admitted + timedelta(days=rng.randrange(1, 500)))
            reason = rng.choice(list(Stay.ExitReason.values)) if left else ""
            f.stay(
                person, rng.choice(centers), admitted_on=admitted, left_on=left, exit_reason=reason
            )
            if left is None:
                break
            admitted = left + timedelta(days=rng.randrange(1, 60))
        if rng.random() < 0.5:
            started = _day(rng)
            f.education(
                person, started_on=started, ended_on=_maybe(rng, 0.6, started + timedelta(days=200))
            )
        if rng.random() < 0.5:
            started = _day(rng)
            completed = _maybe(rng, 0.6, started + timedelta(days=rng.randrange(30, 400)))
            certified = completed and _maybe(
                rng, 0.5, completed + timedelta(days=rng.randrange(60))
            )
            f.training(
                person,
                trade=rng.choice(list(VocationalTraining.Trade.values)),
                started_on=started,
                completed_on=completed,
                certified_on=certified,
            )
        if rng.random() < 0.3:
            f.internship(person, started_on=_day(rng))
        for _ in range(rng.randint(0, 2)):
            f.support(
                person,
                kind=rng.choice(list(ReintegrationSupport.Kind.values)),
                given_on=_day(rng),
                value_usd=_maybe(rng, 0.8, f"{rng.randrange(100, 90000) / 100:.2f}"),
            )
        for _ in range(rng.randint(0, 4)):
            due = _maybe(rng, 0.7, _day(rng))
            visited = (
                due + timedelta(days=rng.randrange(-30, 30)) if due and rng.random() < 0.8 else None
            )
            if due is None:
                visited = _day(rng)
            f.followup(
                person,
                due_on=due,
                visited_on=visited,
                visitor_role=rng.choice(list(FollowUpVisit.VisitorRole.values)),
            )
        if rng.random() < 0.3:
            opened = _day(rng)
            outcome = rng.choice(list(LegalCase.Outcome.values))
            closed = None if outcome == LegalCase.Outcome.PENDING else opened + timedelta(days=300)
            f.legal_case(person, opened_on=opened, outcome=outcome, closed_on=closed)
    venues = [f.venue(f"RV{seed}-{i}") for i in range(6)]
    for _ in range(80):
        f.outreach_visit(
            rng.choice(venues),
            visited_on=_day(rng),
            contacts=rng.randrange(30),
            clients_educated=rng.randrange(5),
            condoms=rng.randrange(200),
            soaps=rng.randrange(10),
        )
    for _ in range(60):
        f.clinic_visit(
            f"K{seed}-{rng.randrange(15)}",
            visited_on=_day(rng),
            std_test=rng.random() < 0.4,
            enrolled_case=_maybe(rng, 0.2, rng.choice(people)),
        )
    for _ in range(12):
        f.meeting(held_on=_day(rng), agreement_reached=rng.random() < 0.4)
        f.event(held_on=_day(rng), participants=rng.randrange(200))
        f.disbursement(given_on=_day(rng), amount_usd=f"{rng.randrange(100, 10**7) / 100:.2f}")
