"""The published figures counted from the legal team's records (smf.core.figures)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smf.core.figures import COUNT, Figure, Rows, declare, in_year

from .models import LegalCase

declare(
    Figure(
        "legal.convictions",
        _("Court cases ended in conviction"),
        "justice",
        COUNT,
        lambda year: LegalCase.objects.filter(
            in_year(year, "closed_on"), outcome=LegalCase.Outcome.CONVICTION
        ),
        Rows(),
        (("case_code", "case__code"), ("closed_on", "closed_on")),
    ),
)
