"""Every write to cases: registration, particulars, consents, notes, legal cases."""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from smf.core.fields import blind_index
from smf.core.versioning import save_versioned
from smf.staff.audit import audit_diff, audit_record, audit_record_many
from smf.staff.models import AuditLog
from smf.staff.roles import Role, has_role

from .models import Case, CaseNote, Consent, Hearing, LegalCase

logger = logging.getLogger(__name__)

# Sent inside the registration's transaction, after the case is saved, with
# `case`, `user` and `referral` (what the intake form carried: a clinic client
# code). The apps built on top act on it (outreach closes the clinic referral):
# this app knows none of them.
case_registered = Signal()


def case_set_names(case: Case, *, given_name: str, family_name: str) -> None:
    """Set the encrypted names and their blind index (does not save)."""
    case.given_name = given_name
    case.family_name = family_name
    case.name_index = blind_index(given_name, family_name)


def case_code_next(*, prefix: str, year: int) -> str:
    """The next free case code such as TD-2026-0042 (never the database id)."""
    stem = f"{prefix}-{year}-"
    codes = Case.objects.filter(code__startswith=stem).values_list("code", flat=True)
    numbers = [int(c[len(stem) :]) for c in codes if c[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers, default=0) + 1):04d}"


# The fields of a case that its edit form may change, in form order.
CASE_EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "birth_year",
    "nationality",
    "phone",
    "address",
    "intake_date",
    "referral_source",
    "exploitation_type",
)


def case_register(
    *,
    user,
    code_prefix: str,
    given_name: str,
    family_name: str,
    consents: list[tuple[str, date]] = (),
    referral: dict | None = None,
    **fields,
) -> Case:
    """Register a new survivor and record her consents, in one transaction.

    The case code is `code_prefix` (a center's code), the intake year and the
    next number (e.g. TD-2026-0042). `fields` are the plain Case fields (sex,
    birth_year, nationality, phone, address, intake_date, referral_source,
    exploitation_type). Call it inside the caller's transaction when more is
    written with it (an admission): a failure then leaves no half-registered case.
    """
    unknown = set(fields) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not case fields: {sorted(unknown)}")
    intake_date = fields.get("intake_date") or date.today()
    fields["intake_date"] = intake_date
    with transaction.atomic():
        for _attempt in range(5):
            case = Case(
                code=case_code_next(prefix=code_prefix, year=intake_date.year),
                created_by=user,
                assigned_social_worker=user if has_role(user, Role.SOCIAL_WORKER) else None,
                **fields,
            )
            case_set_names(case, given_name=given_name, family_name=family_name)
            try:
                # Two registrations at once can draw the same next code: retry.
                with transaction.atomic():
                    case.save()
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - five collisions in a row
            raise RuntimeError("could not allocate a case code")
        audit_record(
            user=user,
            action="case_create",
            case_code=case.code,
            details=audit_diff({}, {f: getattr(case, f) for f in CASE_EDITABLE_FIELDS}),
        )
        for purpose, given_on in consents:
            consent_record(case=case, purpose=purpose, given_on=given_on, user=user)
        case_registered.send(sender=Case, case=case, user=user, referral=referral or {})
    return case


def case_update(*, case: Case, changes: dict, version: int, user) -> Case:
    """Save edited case details if nobody saved the case since `version` was read.

    A stale save raises StaleVersion carrying the current case and writes nothing.
    """
    unknown = set(changes) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    names = {}
    if "given_name" in changes or "family_name" in changes:
        names["name_index"] = blind_index(
            changes.get("given_name", case.given_name),
            changes.get("family_name", case.family_name),
        )
    return save_versioned(
        case,
        version=version,
        changes=changes,
        also_write=names,
        user=user,
        action="case_change",
        case_code=case.code,
    )


def consent_record(*, case: Case, purpose: str, given_on: date, user) -> Consent:
    """Record a consent given by the survivor, and who recorded it."""
    if given_on > date.today():
        raise ValidationError({"given_on": _("The consent date cannot be in the future.")})
    consent = Consent.objects.create(
        case=case, purpose=purpose, given_on=given_on, recorded_by=user, created_by=user
    )
    audit_record(
        user=user,
        action="consent_record",
        case_code=case.code,
        details={"purpose": purpose, "given_on": given_on.isoformat()},
    )
    return consent


def consent_withdraw(*, consent: Consent, withdrawn_on: date, user) -> Consent:
    """Record that the survivor withdrew a consent (the record stays, dated)."""
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    if withdrawn_on < consent.given_on:
        raise ValidationError(
            {"withdrawn_on": _("The withdrawal cannot be before the consent was given.")}
        )
    if withdrawn_on > date.today():
        raise ValidationError({"withdrawn_on": _("The withdrawal date cannot be in the future.")})
    updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
        withdrawn_on=withdrawn_on, withdrawn_recorded_by=user
    )
    if not updated:
        raise ValidationError(_("This consent was already withdrawn."))
    audit_record(
        user=user,
        action="consent_withdraw",
        case_code=consent.case.code,
        details={"purpose": consent.purpose, "withdrawn_on": withdrawn_on.isoformat()},
    )
    consent.refresh_from_db()
    return consent


def case_note_add(
    *, case: Case, kind: str, confidentiality: str, written_on: date, text: str, user
) -> CaseNote:
    """Add a note to the case file's timeline (the text is encrypted at rest)."""
    if written_on > date.today():
        raise ValidationError({"written_on": _("The note cannot be dated in the future.")})
    note = CaseNote.objects.create(
        case=case,
        kind=kind,
        confidentiality=confidentiality,
        written_on=written_on,
        text=text,
        author=user,
        created_by=user,
    )
    # The note's text never goes to the audit log: only that a note was written.
    audit_record(
        user=user,
        action="note_add",
        case_code=case.code,
        details={"kind": kind, "confidentiality": confidentiality},
    )
    return note


def legal_case_open(*, case: Case, reference: str, opened_on: date, user) -> LegalCase:
    """Open a legal case (a court file) for a survivor."""
    reference = reference.strip()
    if LegalCase.objects.filter(reference=reference).exists():
        raise ValidationError({"reference": _("A legal case with this reference exists.")})
    if opened_on > date.today():
        raise ValidationError({"opened_on": _("The opening date cannot be in the future.")})
    legal_case = LegalCase.objects.create(
        case=case, reference=reference, opened_on=opened_on, created_by=user
    )
    audit_record(
        user=user,
        action="legal_case_open",
        case_code=case.code,
        # Ids, never the court reference: it is encrypted, the log is not.
        details={"legal_case": legal_case.pk, "opened_on": opened_on.isoformat()},
    )
    return legal_case


def hearing_record(
    *, legal_case: LegalCase, held_on: date, court: str, stage: str, note: str, user
) -> Hearing:
    """Record a hearing; a future date is allowed (a hearing is often scheduled)."""
    if legal_case.opened_on and held_on < legal_case.opened_on:
        raise ValidationError(
            {"held_on": _("The hearing cannot be before the legal case was opened.")}
        )
    hearing = Hearing.objects.create(
        legal_case=legal_case, held_on=held_on, court=court, stage=stage, note=note, created_by=user
    )
    audit_record(
        user=user,
        action="hearing_record",
        case_code=legal_case.case.code if legal_case.case_id else "",
        details={
            "legal_case": legal_case.pk,
            "hearing": hearing.pk,
            "held_on": held_on.isoformat(),
            "stage": stage,
        },
    )
    return hearing


def legal_case_set_outcome(
    *, legal_case: LegalCase, outcome: str, closed_on: date | None, user
) -> LegalCase:
    """Record the outcome of a legal case (pending keeps it open)."""
    if outcome not in LegalCase.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome != LegalCase.Outcome.PENDING and closed_on is None:
        raise ValidationError({"closed_on": _("Give the date of the outcome.")})
    if closed_on and legal_case.opened_on and closed_on < legal_case.opened_on:
        raise ValidationError({"closed_on": _("The case cannot close before it opened.")})
    if closed_on and closed_on > date.today():
        raise ValidationError({"closed_on": _("The date cannot be in the future.")})
    old = {"outcome": legal_case.outcome, "closed_on": legal_case.closed_on}
    new = {"outcome": outcome, "closed_on": closed_on}
    LegalCase.objects.filter(pk=legal_case.pk).update(**new)
    audit_record(
        user=user,
        action="legal_case_outcome",
        case_code=legal_case.case.code if legal_case.case_id else "",
        details={"legal_case": legal_case.pk, "changes": audit_diff(old, new)},
    )
    legal_case.refresh_from_db()
    return legal_case


def cases_export_audit(*, user, codes: list[str], filters: dict) -> None:
    """Record an export: one summary line, and one line per exported case so that
    each case's own audit trail shows it left the system."""
    with transaction.atomic():
        summary = audit_record(
            user=user, action="cases_export", details={"filters": filters, "rows": len(codes)}
        )
        audit_record_many(
            AuditLog(
                user=summary.user,
                action="case_export",
                case_code=code,
                details={"export": summary.pk},
            )
            for code in codes
        )
