"""Every write to cases, staff accounts and the audit log."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import access
from .access import Role
from .fields import blind_index
from .models import AuditLog, Case, CaseNote, Consent, Hearing, LegalCase, StaffProfile

logger = logging.getLogger(__name__)

# Which model permissions each role's group carries. The visibility of rows is
# decided by cases.access; these decide which kinds of record a role may add,
# change or only view (and what the admin shows them).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.SOCIAL_WORKER: {
        "cases": (
            "view_case",
            "add_case",
            "change_case",
            "view_consent",
            "add_consent",
            "change_consent",
            "view_legalcase",
            "add_legalcase",
            "change_legalcase",
            "view_hearing",
            "add_hearing",
            "view_casenote",
            "add_casenote",
        ),
        "shelters": (
            "view_shelter",
            "view_stay",
            "add_stay",
            "change_stay",
            "view_educationrecord",
            "add_educationrecord",
            "change_educationrecord",
            "view_vocationaltraining",
            "add_vocationaltraining",
            "change_vocationaltraining",
            "view_internship",
            "add_internship",
            "change_internship",
            "view_groupactivity",
            "add_groupactivity",
            "change_groupactivity",
        ),
        "reintegration": ("view_reintegrationsupport", "view_followupvisit"),
    },
    Role.REINTEGRATION_OFFICER: {
        "cases": ("view_case", "view_consent", "view_casenote", "add_casenote"),
        "shelters": ("view_shelter", "view_stay", "change_stay"),
        "reintegration": (
            "view_reintegrationsupport",
            "add_reintegrationsupport",
            "change_reintegrationsupport",
            "view_followupvisit",
            "add_followupvisit",
            "change_followupvisit",
        ),
    },
    Role.OUTREACH_WORKER: {
        "outreach": (
            "view_venue",
            "add_venue",
            "change_venue",
            "view_outreachvisit",
            "add_outreachvisit",
            "change_outreachvisit",
            "view_clinicvisit",
            "add_clinicvisit",
            "change_clinicvisit",
            "view_meeting",
            "add_meeting",
            "change_meeting",
            "view_event",
            "add_event",
            "change_event",
        ),
    },
    Role.LEGAL_OFFICER: {
        "cases": (
            "view_case",
            "view_legalcase",
            "add_legalcase",
            "change_legalcase",
            "view_hearing",
            "add_hearing",
            "change_hearing",
            "view_casenote",
            "add_casenote",
        ),
    },
    Role.DIRECTOR: {
        "cases": (
            "view_case",
            "view_legalcase",
            "view_hearing",
            "view_consent",
            "view_casenote",
            "view_auditlog",
        ),
        "shelters": (
            "view_shelter",
            "view_stay",
            "view_educationrecord",
            "view_vocationaltraining",
            "view_internship",
            "view_groupactivity",
        ),
        "reintegration": ("view_reintegrationsupport", "view_followupvisit"),
        "outreach": (
            "view_venue",
            "view_outreachvisit",
            "view_clinicvisit",
            "view_meeting",
            "view_event",
        ),
        "reports": ("view_disbursement", "add_disbursement", "change_disbursement"),
    },
}
# A center manager does what a social worker does, and manages the center.
ROLE_PERMISSIONS[Role.CENTER_MANAGER] = {
    **ROLE_PERMISSIONS[Role.SOCIAL_WORKER],
    "shelters": ROLE_PERMISSIONS[Role.SOCIAL_WORKER]["shelters"] + ("change_shelter",),
}


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions.

    Administrators get every permission except changing or deleting the audit log.
    """
    for role in Role.ALL:
        group, _ = Group.objects.get_or_create(name=role)
        if role == Role.ADMINISTRATOR:
            perms = Permission.objects.exclude(
                content_type__app_label="cases",
                codename__in=("change_auditlog", "delete_auditlog", "add_auditlog"),
            )
        else:
            wanted = ROLE_PERMISSIONS.get(role, {})
            perms = Permission.objects.none()
            for app_label, codenames in wanted.items():
                perms = perms | Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
        group.permissions.set(perms)


def roles_sync_after_migrate(sender, **kwargs) -> None:
    roles_sync()


def staff_create(
    *,
    username: str,
    password: str,
    roles: list[str],
    centers=(),
    teams=(),
    email: str = "",
    first_name: str = "",
) -> User:
    """Create (or update) a staff account with its roles, centers and teams."""
    unknown = set(roles) - set(Role.ALL)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        user.email = email
        user.first_name = first_name
        user.is_staff = Role.ADMINISTRATOR in roles
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        profile, _ = StaffProfile.objects.get_or_create(user=user)
        profile.centers.set(centers)
        profile.teams.set(teams)
    return user


def audit_record(
    *, user, action: str, case_code: str = "", details: dict | None = None
) -> AuditLog:
    """Append one line to the audit log. Never pass a name in `details`."""
    entry = AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        case_code=case_code,
        details=details or {},
    )
    logger.info("audit %s case=%s user=%s", action, case_code, getattr(user, "pk", None))
    return entry


# Fields whose values never go into the audit log in clear: names and contacts,
# and free text (follow-up and activity notes), which is where a name or a
# confidence ends up. The log says the field changed, not what it says.
SECRET_FIELDS = {"given_name", "family_name", "phone", "address", "name_index", "notes", "text"}


def audit_diff(old: dict, new: dict) -> dict:
    """{field: [old, new]} for the fields that changed, secrets as 'changed'."""
    changes = {}
    for field, value in new.items():
        before = old.get(field)
        if before == value:
            continue
        if field in SECRET_FIELDS:
            changes[field] = "changed"
        else:
            changes[field] = [_plain(before), _plain(value)]
    return changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


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


def user_can_see_case(user, case: Case) -> bool:
    return access.visible_cases(Case.objects.filter(pk=case.pk), user).exists()


class StaleVersion(Exception):
    """Someone else saved this record since it was read: nothing was written.

    Raised by every optimistic-locking save (cases, stays, education, training,
    internships, activities, follow-up visits); `current` is the saved record.
    """

    def __init__(self, current):
        super().__init__("the record was changed by someone else")
        self.current = current


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
    shelter,
    admitted_on: date,
    given_name: str,
    family_name: str,
    consents: list[tuple[str, date]] = (),
    clinic_client_code: str = "",
    **fields,
) -> Case:
    """Register a new survivor, record her consents and admit her to a center.

    One transaction: a failed admission leaves no half-registered case. The case
    code takes the center's prefix and the intake year (e.g. TD-2026-0042).
    `fields` are the plain Case fields (sex, birth_year, nationality, phone,
    address, intake_date, referral_source, exploitation_type).
    """
    from django.db import IntegrityError

    from shelters.services import stay_admit

    unknown = set(fields) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not case fields: {sorted(unknown)}")
    intake_date = fields.get("intake_date") or date.today()
    fields["intake_date"] = intake_date
    with transaction.atomic():
        for _attempt in range(5):
            case = Case(
                code=case_code_next(prefix=shelter.code, year=intake_date.year),
                created_by=user,
                assigned_social_worker=user if access.has_role(user, Role.SOCIAL_WORKER) else None,
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
        stay_admit(case=case, shelter=shelter, admitted_on=admitted_on, user=user)
        if clinic_client_code:
            # The outreach app closes the clinic client's referral; imported at
            # call time so the cases app does not depend on outreach at import.
            from outreach.services import clinic_referral_complete

            clinic_referral_complete(client_code=clinic_client_code, case=case, user=user)
    return case


def case_update(*, case: Case, changes: dict, version: int, user) -> Case:
    """Save edited case details if nobody saved the case since `version` was read.

    A conditional UPDATE ... WHERE version = <read version>: a stale save raises
    StaleVersion carrying the current case and writes nothing.
    """
    unknown = set(changes) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        current = Case.objects.select_for_update().get(pk=case.pk)
        if current.version != version:
            raise StaleVersion(current)
        old = {f: getattr(current, f) for f in changes}
        values = dict(changes)
        if "given_name" in changes or "family_name" in changes:
            values["name_index"] = blind_index(
                changes.get("given_name", current.given_name),
                changes.get("family_name", current.family_name),
            )
        diff = audit_diff(old, changes)
        if not diff:
            return current
        updated = Case.objects.filter(pk=case.pk, version=version).update(
            **values, version=version + 1
        )
        if not updated:  # pragma: no cover - the row lock makes this unreachable
            raise StaleVersion(Case.objects.get(pk=case.pk))
        audit_record(
            user=user,
            action="case_change",
            case_code=case.code,
            details={"changes": diff, "version": [version, version + 1]},
        )
    return Case.objects.get(pk=case.pk)


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
        details={"reference": reference, "opened_on": opened_on.isoformat()},
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
        details={"reference": legal_case.reference, "held_on": held_on.isoformat(), "stage": stage},
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
        details={"reference": legal_case.reference, "changes": audit_diff(old, new)},
    )
    legal_case.refresh_from_db()
    return legal_case


def cases_export_audit(*, user, codes: list[str], filters: dict) -> None:
    """Record an export: one summary line, and one line per exported case so that
    each case's own audit trail shows it left the system."""
    summary = audit_record(
        user=user, action="cases_export", details={"filters": filters, "rows": len(codes)}
    )
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                user=summary.user,
                action="case_export",
                case_code=code,
                details={"export": summary.pk},
            )
            for code in codes
        ],
        batch_size=1000,
    )
