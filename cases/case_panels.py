"""This app's panels of the case file: particulars, legal cases, consents, notes."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from smf.staff import sections

from . import access
from .forms import CaseNoteForm, ConsentForm, ConsentWithdrawForm
from .models import CaseNote, Hearing
from .panels import CasePanel, register


def _summary(request, case) -> dict:
    return {"can_see_names": access.can_see_names(request.user)}


def _legal(request, case) -> dict:
    hearings = Prefetch("hearings", queryset=Hearing.objects.order_by("held_on", "id"))
    return {
        "legal_cases": case.legal_cases.prefetch_related(hearings),
        "can_open_legal": sections.can_write(request.user, access.LEGAL_REFERRAL.key),
    }


def _consents(request, case) -> dict:
    return {
        "consents": case.consents.select_related("recorded_by", "withdrawn_recorded_by"),
        "can_edit_consents": sections.can_write(request.user, access.CONSENTS.key),
        "consent_form": ConsentForm(),
        "withdraw_form": ConsentWithdrawForm(),
    }


def _notes(request, case) -> dict:
    user = request.user
    kinds = access.note_kinds_writable(user)
    return {
        "notes": CaseNote.objects.filter(case=case).readable_by(user).select_related("author"),
        "can_add_notes": bool(kinds),
        "note_form": CaseNoteForm(kinds=kinds),
    }


register(
    CasePanel(
        "summary", _("Summary"), (access.IDENTITY.key,), "cases/_panel_summary.html", 10, _summary
    )
)
register(CasePanel("legal", _("Legal"), (access.LEGAL.key,), "cases/_panel_legal.html", 60, _legal))
register(
    CasePanel(
        "consents",
        _("Consents"),
        (access.CONSENTS.key,),
        "cases/_panel_consents.html",
        70,
        _consents,
    )
)
register(
    CasePanel(
        "notes",
        _("Notes"),
        tuple(section.key for section in access.NOTES.values()),
        "cases/_panel_notes.html",
        80,
        _notes,
    )
)
