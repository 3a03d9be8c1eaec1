"""This app's panel of the case file: reintegration plan, support and visits."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from cases.panels import CasePanel, register

from . import access
from .models import FollowUpVisit


def reintegration_context(request, case) -> dict:
    prefetch_related_objects(
        [case],
        "reintegration_support",
        Prefetch("followups", queryset=FollowUpVisit.objects.select_related("assigned_to")),
    )
    return {}


register(
    CasePanel(
        "reintegration",
        _("Reintegration"),
        (access.REINTEGRATION.key,),
        "reintegration/_case_section.html",
        30,
        reintegration_context,
    )
)
