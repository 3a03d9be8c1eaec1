"""Who may do what with a case: the sections this app owns, and its helpers.

Sections (declared once, here; the "who may do what" page lists them):
- identity: names, contact details and the case's particulars;
- consents: consents given and withdrawn;
- notes.<kind>: the case notes of each kind (counselling, medical, legal, ...);
- legal: legal cases and hearings.

Which cases a user sees at all is `Case.objects.visible_to(user)` (models.py).
A record she may not see is a 404, never a tell-tale 403; a write she may not
make on a record she may read is a 403. Both are written to the audit log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from smf.staff import sections
from smf.staff.audit import audit_record
from smf.staff.roles import Role
from smf.staff.sections import R, Section, W

from .models import Case, CaseNote, LegalCase

SW, CM, RO = Role.SOCIAL_WORKER, Role.CENTER_MANAGER, Role.REINTEGRATION_OFFICER
LO, DIR, ADMIN = Role.LEGAL_OFFICER, Role.DIRECTOR, Role.ADMINISTRATOR
AREA = _("Case file")

IDENTITY = sections.declare(
    Section(
        key="identity",
        label=_("Identity and contact"),
        area=AREA,
        description=_("Names, phone, address, birth year, nationality, intake and referral."),
        levels={SW: W, CM: W, RO: R, LO: R, DIR: R, ADMIN: R},
        models=("cases.case",),
        order=10,
    )
)
CONSENTS = sections.declare(
    Section(
        key="consents",
        label=_("Consents"),
        area=AREA,
        description=_("Consents she gave (data, photos, media, sharing) and their withdrawal."),
        levels={SW: W, CM: W, RO: R, LO: R, DIR: R, ADMIN: R},
        models=("cases.consent",),
        order=20,
    )
)
# Case notes, kind by kind: a legal officer reads and writes legal notes, not
# counselling notes; the reintegration team writes family notes.
NOTE_LEVELS = {
    CaseNote.Kind.COUNSELLING: {SW: W, CM: W, DIR: R},
    CaseNote.Kind.MEDICAL: {SW: W, CM: W, DIR: R},
    CaseNote.Kind.LEGAL: {SW: W, CM: W, LO: W, DIR: R},
    CaseNote.Kind.FAMILY: {SW: W, CM: W, RO: W, DIR: R},
    CaseNote.Kind.EDUCATION: {SW: W, CM: W, RO: R, DIR: R},
    CaseNote.Kind.OTHER: {SW: W, CM: W, RO: R, DIR: R},
}


def _note_label(kind: str) -> str:
    return _("Case notes: %(kind)s") % {"kind": CaseNote.Kind(kind).label}


NOTES = {
    kind: sections.declare(
        Section(
            key=f"notes.{kind}",
            # Lazy: formatting a lazy string at import would fix it in English.
            label=lazy(_note_label, str)(kind),
            area=AREA,
            description=_("Restricted notes: only their author and center managers."),
            levels=levels,
            models=("cases.casenote",),
            order=30 + index,
        )
    )
    for index, (kind, levels) in enumerate(NOTE_LEVELS.items())
}
LEGAL = sections.declare(
    Section(
        key="legal",
        label=_("Legal cases and hearings"),
        area=AREA,
        description=_("Court files, hearings and outcomes."),
        levels={LO: W, CM: R, SW: R, DIR: R, ADMIN: R},
        models=("cases.legalcase", "cases.hearing"),
        order=60,
    )
)
# Opening a legal case is how center staff refer a survivor to the legal team
# (who sees only the cases that have one): the legal team then records the
# hearings and the outcome.
LEGAL_REFERRAL = sections.declare(
    Section(
        key="legal_referral",
        label=_("Opening a legal case"),
        area=AREA,
        description=_("Refers her to the legal team, who then sees her case."),
        levels={SW: W, CM: W, LO: W, DIR: R, ADMIN: R},
        order=61,
    )
)


def can_see_names(user) -> bool:
    """Names and contact details are part of the identity section."""
    return sections.can_read(user, IDENTITY.key)


def note_kinds_writable(user) -> list[str]:
    return [kind for kind in CaseNote.Kind.values if sections.can_write(user, f"notes.{kind}")]


def note_kinds_readable(user) -> list[str]:
    return [kind for kind in CaseNote.Kind.values if sections.can_read(user, f"notes.{kind}")]


def sees_case_work(user) -> bool:
    """Whether any section of a case file is open to this user (the Cases menu)."""
    return any(
        sections.can_read(user, section.key)
        for section in sections.all_sections()
        if section.area == AREA
    )


def _refuse(user, *, action: str, code: str = "", details: dict | None = None):
    audit_record(user=user, action=action, case_code=code, details=details)


def case_get_for_user(
    *,
    user,
    code: str,
    section: str | None = None,
    for_write: bool = False,
    queryset=None,
) -> Case:
    """A case by its code if the user may see it; 404 otherwise.

    With `section`, the user must read that section (404 otherwise) and, with
    `for_write`, write it (PermissionDenied otherwise). A refusal is audited.
    """
    base = queryset if queryset is not None else Case.objects.all()
    case = base.visible_to(user).filter(code=code).first()
    if case is None or (section and not sections.can_read(user, section)):
        _refuse(user, action="access_denied", code=code)
        raise Http404("No such case.")
    if for_write and not (section and sections.can_write(user, section)):
        _refuse(user, action="write_denied", code=code, details={"section": section})
        raise PermissionDenied(_("You may read this part of the case but not change it."))
    return case


def legal_case_get_for_user(*, user, reference: str, for_write: bool = False, queryset=None):
    """A legal case of a visible case, by its court reference; 404 otherwise."""
    base = queryset if queryset is not None else LegalCase.objects.all()
    legal_case = None
    if sections.can_read(user, LEGAL.key):
        legal_case = (
            base.filter(case__isnull=False).visible_to(user).filter(reference=reference).first()
        )
    if legal_case is None:
        # The id of the legal case asked for (None if there is none), never the
        # reference itself: it is encrypted, the audit log is not.
        asked = LegalCase.objects.filter(reference=reference).values_list("pk", flat=True)
        _refuse(user, action="access_denied", details={"legal_case": asked.first()})
        raise Http404("No such legal case.")
    if for_write and not sections.can_write(user, LEGAL.key):
        _refuse(
            user, action="write_denied", code=legal_case.case.code, details={"section": "legal"}
        )
        raise PermissionDenied(_("You may read this legal case but not change it."))
    return legal_case


def require_section(user, key: str, *, for_write: bool = False) -> None:
    """404 for a page of a section the user may not read; 403 for a write she
    may not make there."""
    if not sections.can_read(user, key):
        raise Http404
    if for_write and not sections.can_write(user, key):
        raise PermissionDenied(_("You may read these records but not change them."))
