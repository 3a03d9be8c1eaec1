"""The published figures counted from the centers' records (smf.core.figures)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smf.core.figures import (
    COUNT,
    PERCENT,
    Distinct,
    Figure,
    Rows,
    Share,
    declare,
    in_year,
    overlaps,
    year_bounds,
)

from .models import EducationRecord, Internship, Stay, VocationalTraining


def reintegrated_in(first_year: int, last_year: int) -> Q:
    """Stays that ended with a reintegration between two years, both included."""
    first, _ = year_bounds(first_year)
    _, last = year_bounds(last_year)
    return Q(exit_reason=Stay.ExitReason.REINTEGRATED, left_on__gte=first, left_on__lte=last)


def stays_in(year: int):
    return Stay.objects.filter(overlaps(year, "admitted_on", "left_on"))


def learners_in(year: int) -> Q:
    """Cases in basic education during the year."""
    return Q(
        case__in=EducationRecord.objects.filter(overlaps(year, "started_on", "ended_on")).values(
            "case"
        )
    )


STAY_COLUMNS = (
    ("case_code", "case__code"),
    ("center_code", "shelter__code"),
    ("admitted_on", "admitted_on"),
    ("left_on", "left_on"),
)
TRAINING_COLUMNS = (
    ("case_code", "case__code"),
    ("trade", "trade"),
    ("started_on", "started_on"),
    ("completed_on", "completed_on"),
    ("certified_on", "certified_on"),
)

declare(
    Figure(
        "shelter.residents",
        _("Residents cared for in the centers"),
        "recovery",
        COUNT,
        stays_in,
        Distinct("case_code"),
        STAY_COLUMNS,
    ),
    Figure(
        "shelter.education_pct",
        _("Residents who received basic education"),
        "recovery",
        PERCENT,
        stays_in,
        Share(learners_in, column="case_code"),
        STAY_COLUMNS,
        counts_people=False,
        base="shelter.residents",
    ),
    Figure(
        "training.trainees",
        _("Residents in vocational skills training"),
        "recovery",
        COUNT,
        lambda year: VocationalTraining.objects.filter(
            overlaps(year, "started_on", "completed_on")
        ),
        Distinct("case_code"),
        TRAINING_COLUMNS,
    ),
    Figure(
        "training.completed",
        _("Vocational trainings completed"),
        "recovery",
        COUNT,
        lambda year: VocationalTraining.objects.filter(in_year(year, "completed_on")),
        Rows(),
        TRAINING_COLUMNS,
    ),
    Figure(
        "training.certified",
        _("Government certifications received"),
        "recovery",
        COUNT,
        lambda year: VocationalTraining.objects.filter(in_year(year, "certified_on")),
        Rows(),
        TRAINING_COLUMNS,
    ),
    Figure(
        "training.internships_started",
        _("Internships begun"),
        "recovery",
        COUNT,
        lambda year: Internship.objects.filter(in_year(year, "started_on")),
        Rows(),
        (("case_code", "case__code"), ("started_on", "started_on"), ("ended_on", "ended_on")),
    ),
)
