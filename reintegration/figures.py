"""The published figures counted from the reintegration team's records
(smf.core.figures)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shelters.figures import STAY_COLUMNS, reintegrated_in
from shelters.models import Stay
from smf.core.figures import (
    AVERAGE,
    COUNT,
    PERCENT,
    Distinct,
    Figure,
    Mean,
    Rows,
    Share,
    declare,
    in_year,
)

from .models import FollowUpVisit, ReintegrationSupport, on_time_q


def support_in(year: int):
    return ReintegrationSupport.objects.filter(in_year(year, "given_on"))


def kits_in(year: int):
    return support_in(year).filter(kind=ReintegrationSupport.Kind.STARTUP_KIT)


def visits_in(year: int):
    return FollowUpVisit.objects.filter(in_year(year, "visited_on"))


def cohort_of(year: int) -> Q:
    """Survivors reintegrated in the two years before."""
    return Q(case__in=Stay.objects.filter(reintegrated_in(year - 2, year - 1)).values("case"))


SUPPORT_COLUMNS = (
    ("case_code", "case__code"),
    ("kind", "kind"),
    ("given_on", "given_on"),
    ("value_usd", "value_usd"),
)
VISIT_COLUMNS = (
    ("case_code", "case__code"),
    ("visited_on", "visited_on"),
    ("due_on", "due_on"),
    ("visitor_role", "visitor_role"),
)

declare(
    Figure(
        "reintegration.reintegrated",
        _("Residents reintegrated into the community"),
        "reintegration",
        COUNT,
        lambda year: Stay.objects.filter(reintegrated_in(year, year)),
        Distinct("case_code"),
        STAY_COLUMNS,
    ),
    Figure(
        "reintegration.supported",
        _("Survivors given reintegration support"),
        "reintegration",
        COUNT,
        support_in,
        Distinct("case_code"),
        SUPPORT_COLUMNS,
    ),
    Figure(
        "reintegration.startup_kits",
        _("Start-up kits given"),
        "reintegration",
        COUNT,
        kits_in,
        Rows(),
        SUPPORT_COLUMNS,
    ),
    Figure(
        "reintegration.startup_kit_avg_usd",
        _("Average value of a start-up kit"),
        "reintegration",
        AVERAGE,
        kits_in,
        Mean("value_usd"),
        SUPPORT_COLUMNS,
        counts_people=False,
        base="reintegration.startup_kits",
        usd=True,
    ),
    Figure(
        "followup.visits",
        _("Follow-up visits made"),
        "reintegration",
        COUNT,
        visits_in,
        Rows(),
        VISIT_COLUMNS,
    ),
    Figure(
        "followup.survivors",
        _("Reintegrated survivors visited"),
        "reintegration",
        COUNT,
        visits_in,
        Distinct("case_code"),
        VISIT_COLUMNS,
    ),
    Figure(
        "followup.cohort_followed",
        _("Survivors reintegrated in the two years before, visited"),
        "reintegration",
        COUNT,
        lambda year: visits_in(year).filter(cohort_of(year)),
        Distinct("case_code"),
        VISIT_COLUMNS,
    ),
    Figure(
        "followup.on_time_pct",
        _("Follow-up visits made on time"),
        "reintegration",
        PERCENT,
        # Of the visits that had a due date; the public report hides the share
        # with all the year's visits, the nearest figure (never fewer).
        lambda year: visits_in(year).filter(due_on__isnull=False),
        Share(lambda year: on_time_q()),
        VISIT_COLUMNS,
        counts_people=False,
        base="followup.visits",
    ),
)
