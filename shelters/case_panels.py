"""This app's panel of the case file: stays and center life."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from cases.panels import CasePanel, register
from smf.staff import sections

from . import access
from .models import Stay


def center_life_context(request, case) -> dict:
    """The case with what the center-life section shows, in four queries."""
    prefetch_related_objects(
        [case],
        Prefetch("stays", queryset=Stay.objects.select_related("shelter")),
        "education",
        "trainings",
        "internships",
    )
    open_stay = next((stay for stay in case.stays.all() if stay.left_on is None), None)
    user = request.user
    can_edit = sections.can_write(user, access.CENTER_LIFE.key)
    return {
        "open_stay": open_stay,
        "can_edit": can_edit,
        "can_move": bool(can_edit and open_stay and access.works_at(user, open_stay.shelter_id)),
    }


register(
    CasePanel(
        "center",
        _("Center life"),
        (access.CENTER_LIFE.key,),
        "shelters/_case_section.html",
        20,
        center_life_context,
    )
)
