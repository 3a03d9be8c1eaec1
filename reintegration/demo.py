"""The demo's reintegration: support given to the women who left to be
reintegrated, their plans and follow-up visits (smf/core/demo.py runs it).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from cases.demo import Person, person_draw
from shelters.demo import education_draw, stays_draw
from smf.core.demo import DemoGenerator, days, demo_generator
from smf.staff.demo import DemoLogin
from smf.staff.roles import Role

from .models import FollowUpVisit, ReintegrationPlan, ReintegrationSupport, TeamCenter, TeamLead

# The figures the records must produce, by year (see reports/selectors.py).
TARGETS: dict[int, dict[str, int | Decimal]] = {
    2009: {
        "reintegration.supported": 52,
        "reintegration.startup_kits": 40,
        "reintegration.startup_kit_avg_usd": Decimal("650.00"),
    },
    2010: {
        "reintegration.supported": 61,
        "reintegration.startup_kits": 47,
        "reintegration.startup_kit_avg_usd": Decimal("680.00"),
    },
    2011: {
        "reintegration.supported": 94,
        "reintegration.startup_kits": 66,  # "66 of these women received start-up kits"
        "reintegration.startup_kit_avg_usd": Decimal("700.00"),  # "valued at $700"
        "followup.survivors": 227,  # "227 reintegrated women received follow-up visits"
    },
    2012: {
        "reintegration.supported": 34,  # "34 residents were reintegrated ... microgrants ..."
        "reintegration.startup_kits": 12,
        "reintegration.startup_kit_avg_usd": Decimal("725.00"),
        # "followed up with 135 survivors who left the centers in 2011 or 2010"
        "followup.cohort_followed": 135,
    },
}

# Follow-up visits: about every three months after reintegration. Survivors
# reintegrated in 2011 whose follow-up ended within 2011 (lost contact).
FOLLOWUP_EVERY_DAYS = 91
LOST_CONTACT_2011 = 6

# Around today: recent leavers, with visits due.
PRESENT_REINTEGRATED = 34


@demo_generator
class ReintegrationDemo(DemoGenerator):
    tables = (ReintegrationSupport, ReintegrationPlan, FollowUpVisit)

    def staff_done(self, logins: list[tuple[DemoLogin, User]]) -> None:
        # The reintegration team serves every center (its officers plan a
        # reintegration before the survivor leaves); its officer leads it.
        reintegration = self.ctx.teams["reintegration"]
        for center in self.ctx.centers.values():
            TeamCenter.objects.get_or_create(team=reintegration, center=center)
        lead = next(user for login, user in logins if login.role == Role.REINTEGRATION_OFFICER)
        TeamLead.objects.update_or_create(team=reintegration, defaults={"user": lead})

    # -- helpers ----------------------------------------------------------------

    def values_with_mean(self, n: int, mean: Decimal, lo: int, hi: int) -> list[Decimal]:
        """n dollar amounts between lo and hi (steps of $5) whose mean is exactly `mean`."""
        rng = self.ctx.rng
        if not n:
            return []
        cents = [rng.randrange(lo, hi + 1, 5) * 100 for _ in range(n)]
        want = int(mean * 100) * n
        while (diff := want - sum(cents)) != 0:
            step = max(-500, min(500, diff))
            i = rng.randrange(n)
            if lo * 100 <= cents[i] + step <= hi * 100:
                cents[i] += step
        return [Decimal(c) / 100 for c in cents]

    def support(self, p: Person, kind: str, given: date, value, details: str = "") -> None:
        p.support_kind = p.support_kind or kind
        self.ctx.add(
            ReintegrationSupport(
                case=p.case, kind=kind, given_on=given, value_usd=value, details=details
            )
        )

    def other_support(self, p: Person, given: date) -> None:
        rng = self.ctx.rng
        kind = self.ctx.weighted({"microgrant": 55, "job_placement": 35, "tuition": 10})
        value = {
            "microgrant": Decimal(rng.randrange(150, 401, 25)),
            "job_placement": None,
            "tuition": Decimal(rng.randrange(400, 1201, 50)),
        }[kind]
        self.support(p, kind, given, value)

    def plan_for(self, p: Person, *, officer: User | None) -> None:
        pathway = {
            "startup_kit": "own_business",
            "microgrant": "own_business",
            "job_placement": "employment",
            "tuition": "education",
        }.get(p.support_kind, "family")
        self.ctx.add(
            ReintegrationPlan(case=p.case, pathway=pathway, officer=officer, reintegrated_on=p.left)
        )

    def visit_dates(self, p: Person) -> list[tuple[date, date]]:
        """(due, visited) every three months from leaving, a little early or late.

        Drawn from the person's own random stream so that it is the same
        whenever it is asked for.
        """
        rng = random.Random(f"{self.ctx.seed}-{p.case.code}")
        out = []
        for k in range(1, 24):
            due = p.left + days(FOLLOWUP_EVERY_DAYS * k + rng.randint(-3, 3))
            late = rng.choices((rng.randint(-7, 10), rng.randint(15, 40)), weights=(85, 15))[0]
            out.append((due, due + days(late)))
        return out

    # -- the history --------------------------------------------------------------

    def history_people(self) -> None:
        self.history_support()
        self.history_followups()

    def history_support(self) -> None:
        ctx = self.ctx
        for year in range(2009, 2013):
            t = TARGETS[year]
            reintegrated = [p for p in ctx.people if p.reintegrated and p.left.year == year]
            chosen = ctx.rng.sample(reintegrated, t["reintegration.supported"])
            kits = chosen[: t["reintegration.startup_kits"]]
            values = self.values_with_mean(
                len(kits), t["reintegration.startup_kit_avg_usd"], 450, 950
            )
            for p, value in zip(kits, values, strict=True):
                trade = p.training.get_trade_display() if p.training else "small shop"
                self.support(p, "startup_kit", p.left, value, f"Start-up kit: {trade}")
            for p in chosen[len(kits) :]:
                self.other_support(p, p.left)

    def history_followups(self) -> None:
        """Visits about every three months after reintegration, ending in chosen years.

        A survivor is visited in every year from her first visit to the year
        her follow-up ends, so choosing those end years sets who is counted.
        """
        ctx = self.ctx
        by_year = {
            y: [p for p in ctx.people if p.reintegrated and p.left.year == y]
            for y in range(2009, 2014)
        }
        end: dict[int, int] = {}
        first_visit = {id(p): self.visit_dates(p)[0][1].year for ps in by_year.values() for p in ps}
        # Reintegrated in 2011: all followed into 2012 except a few lost in 2011.
        early_2011 = [p for p in by_year[2011] if first_visit[id(p)] == 2011]
        lost = {id(p) for p in ctx.rng.sample(early_2011, LOST_CONTACT_2011)}
        for p in by_year[2011]:
            end[id(p)] = 2011 if id(p) in lost else ctx.rng.choice((2012, 2012, 2013))
        # Reintegrated in 2010: every one visited in 2011; some still in 2012,
        # enough to make up the 2012 cohort.
        continuing_2010 = TARGETS[2012]["followup.cohort_followed"] - (
            len(by_year[2011]) - LOST_CONTACT_2011
        )
        still = {id(p) for p in ctx.rng.sample(by_year[2010], continuing_2010)}
        for p in by_year[2010]:
            end[id(p)] = 2012 if id(p) in still else 2011
        # Reintegrated in 2009: enough still visited in 2011 to make the 2011 survivors.
        visited_2011 = len(early_2011) + len(by_year[2010])
        late_2009 = TARGETS[2011]["followup.survivors"] - visited_2011
        still = {id(p) for p in ctx.rng.sample(by_year[2009], late_2009)}
        for p in by_year[2009]:
            end[id(p)] = 2011 if id(p) in still else 2010
        for y in (2012, 2013):
            for p in by_year[y]:
                end[id(p)] = y + 1
        for ps in by_year.values():
            for p in ps:
                self.plan_for(p, officer=None)
                self.followups_for(p, end[id(p)], lost=id(p) in lost)

    def followups_for(self, p: Person, end_year: int, *, lost: bool) -> None:
        ctx = self.ctx
        visits = [(d, v) for d, v in self.visit_dates(p) if v.year <= end_year]
        roles = {"social_worker": 50, "medical": 15, "trainer": 12, "psychologist": 13}
        for i, (due, visited) in enumerate(visits):
            last = i == len(visits) - 1
            outcome = ctx.weighted({"stable": 70, "needs_support": 22, "at_risk": 8})
            ctx.add(
                FollowUpVisit(
                    case=p.case,
                    sequence=i + 1,
                    due_on=due,
                    visited_on=visited,
                    visitor_role=ctx.weighted(roles | {"legal": 10}),
                    outcome="lost_contact" if lost and last else outcome,
                )
            )

    # -- around today -------------------------------------------------------------

    def present_people(self) -> None:
        """Women who left to be reintegrated lately, with the support they had."""
        ctx = self.ctx
        for _ in range(PRESENT_REINTEGRATED):
            left = ctx.today - days(ctx.rng.randint(20, 600))
            admitted = left - days(ctx.rng.randint(200, 700))
            p = person_draw(ctx, admitted=admitted, left=left)
            p.reintegrated = True
            stays_draw(ctx, p)
            education_draw(ctx, p, ended=left)
            if ctx.rng.random() < 0.6:
                value = Decimal(ctx.rng.randrange(550, 851, 5))
                self.support(p, "startup_kit", left, value, "Start-up kit")
            else:
                self.other_support(p, left)

    def present_records(self) -> None:
        """Their plans, and their visits: past ones made, perhaps overdue, the next due."""
        officer = self.ctx.users.get("reintegration")
        for p in self.ctx.era_people():
            if p.reintegrated:
                self.plan_for(p, officer=officer)
                self.present_followups(p, officer)

    def present_followups(self, p: Person, officer: User | None) -> None:
        ctx = self.ctx
        for i, (due, visited) in enumerate(self.visit_dates(p)):
            if due > ctx.today:
                ctx.add(FollowUpVisit(case=p.case, sequence=i + 1, due_on=due, assigned_to=officer))
                break
            overdue = due > ctx.today - days(45) and ctx.rng.random() < 0.5
            made = not overdue and visited <= ctx.today
            ctx.add(
                FollowUpVisit(
                    case=p.case,
                    sequence=i + 1,
                    due_on=due,
                    visited_on=visited if made else None,
                    visitor_role="social_worker" if made else "",
                    outcome=ctx.weighted({"stable": 75, "needs_support": 25}) if made else "",
                    assigned_to=officer,
                )
            )
