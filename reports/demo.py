"""The demo's funding: the money directed to partners each year, as disbursements
(smf/core/demo.py runs it; it moves with the Disbursement model).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from smf.core.demo import DemoGenerator, demo_generator

from .models import Disbursement

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
class ReportsDemo(DemoGenerator):
    tables = (Disbursement,)
    holds = (Disbursement,)

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

    def history_year(self, year: int) -> None:
        recipients = RECIPIENTS + (HAITI,) if year == 2010 else RECIPIENTS
        self.disbursements(year, int(DIRECTED_USD[year] * 100), recipients)

    def present_year(self, year: int) -> None:
        self.disbursements(year, PRESENT_DIRECTED_CENTS)
