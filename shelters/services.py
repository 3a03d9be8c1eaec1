"""Every write to centers, stays, education, training, internships and group
activities, and the intake of a new resident.

Records that two people may edit at once carry a `version` and are saved with
smf.core.versioning.save_versioned: a stale save raises StaleVersion (carrying
the saved record) and writes nothing. Every change goes to the audit log with
its old and new values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from cases.services import case_register
from smf.core.versioning import save_versioned
from smf.staff.audit import audit_diff, audit_record, current_actor

from .models import EducationRecord, GroupActivity, Internship, Shelter, Stay, VocationalTraining


def _today() -> date:
    # The organisation's day (Asia/Phnom_Penh), not the server's UTC day.
    return timezone.localdate()


def _not_in_future(**dates: date | None) -> None:
    errors = {
        field: _("This date cannot be in the future.")
        for field, value in dates.items()
        if value is not None and value > _today()
    }
    if errors:
        raise ValidationError(errors)


def _not_before(field: str, value: date | None, start: date, message: str) -> None:
    if value is not None and value < start:
        raise ValidationError({field: message})


def stay_admit(*, case: Case, shelter: Shelter, admitted_on: date, user) -> Stay:
    """Admit a survivor to a center. A case has at most one open stay."""
    if admitted_on > _today():
        raise ValidationError({"admitted_on": _("The admission date cannot be in the future.")})
    with transaction.atomic():
        if Stay.objects.select_for_update().filter(case=case, left_on__isnull=True).exists():
            raise ValidationError(
                _("This survivor is already in a center: discharge or transfer her instead.")
            )
        last = Stay.objects.filter(case=case, left_on__isnull=False).order_by("-left_on").first()
        if last and admitted_on < last.left_on:
            raise ValidationError(
                {"admitted_on": _("The admission cannot be before the end of the last stay.")}
            )
        try:
            stay = Stay.objects.create(
                case=case, shelter=shelter, admitted_on=admitted_on, created_by=user
            )
        except IntegrityError as error:
            raise ValidationError(_("This survivor is already in a center.")) from error
        audit_record(
            user=user,
            action="stay_admit",
            case_code=case.code,
            details=audit_diff(
                {"shelter": None, "admitted_on": None},
                {"shelter": shelter.code, "admitted_on": admitted_on},
            ),
        )
    return stay


def stay_discharge(
    *, stay: Stay, left_on: date, exit_reason: str, user, version: int | None = None
) -> Stay:
    """End a stay with its exit reason. `version` is the one the user read."""
    if exit_reason not in Stay.ExitReason.values:
        raise ValidationError({"exit_reason": _("Choose an exit reason.")})
    if left_on < stay.admitted_on:
        raise ValidationError(
            {"left_on": _("The date she left cannot be before the date she was admitted.")}
        )
    if left_on > _today():
        raise ValidationError({"left_on": _("The date she left cannot be in the future.")})
    current = Stay.objects.get(pk=stay.pk)
    if current.left_on is not None and version in (None, current.version):
        raise ValidationError(_("She has already left this center."))
    return save_versioned(
        stay,
        version=version,
        changes={"left_on": left_on, "exit_reason": exit_reason},
        user=user,
        action="stay_discharge",
        case_code=stay.case.code,
    )


def stay_transfer(
    *, stay: Stay, to_shelter: Shelter, on: date, user, version: int | None = None
) -> Stay:
    """Move a resident to another center: one stay ends, the next begins the same day."""
    if to_shelter.pk == stay.shelter_id:
        raise ValidationError({"to_shelter": _("She is already in this center.")})
    # Checked here too so that the message names the transfer date, not "left on".
    if on < stay.admitted_on:
        raise ValidationError(
            {
                "on": _("The transfer cannot be before her admission (%(date)s).")
                % {"date": stay.admitted_on.isoformat()}
            }
        )
    if on > _today():
        raise ValidationError({"on": _("The transfer date cannot be in the future.")})
    with transaction.atomic():
        stay_discharge(
            stay=stay,
            left_on=on,
            exit_reason=Stay.ExitReason.TRANSFERRED,
            user=user,
            version=version,
        )
        return stay_admit(case=stay.case, shelter=to_shelter, admitted_on=on, user=user)


def _update_versioned(*, record, version: int, changes: dict, user, action: str, case_code: str):
    return save_versioned(
        record, version=version, changes=changes, user=user, action=action, case_code=case_code
    )


def _audit_created(*, user, action: str, record, case_code: str, fields: dict) -> None:
    audit_record(
        user=user,
        action=action,
        case_code=case_code,
        details={"record": str(record.uuid), "changes": audit_diff({}, fields)},
    )


def _enrol(*, model, case: Case, field: str, value: str, started_on: date, user, action: str):
    """Start a course or a training: `field` names what is learnt (course, trade)."""
    if value not in {choice for choice, _label in model._meta.get_field(field).choices}:
        raise ValidationError({field: _("Choose from the list.")})
    _not_in_future(started_on=started_on)
    with transaction.atomic():
        record = model.objects.create(
            case=case, started_on=started_on, created_by=user, **{field: value}
        )
        _audit_created(
            user=user,
            action=action,
            record=record,
            case_code=case.code,
            fields={field: value, "started_on": started_on},
        )
    return record


def education_enrol(*, case: Case, course: str, started_on: date, user) -> EducationRecord:
    """Enrol a survivor in an education course."""
    return _enrol(
        model=EducationRecord,
        case=case,
        field="course",
        value=course,
        started_on=started_on,
        user=user,
        action="education_enrol",
    )


def education_update(
    *, record: EducationRecord, version: int, ended_on: date | None, user
) -> EducationRecord:
    """Record (or correct) the date a course ended."""
    _not_in_future(ended_on=ended_on)
    _not_before(
        "ended_on",
        ended_on,
        record.started_on,
        _("The course cannot end before it started (%(date)s).")
        % {"date": record.started_on.isoformat()},
    )
    return _update_versioned(
        record=record,
        version=version,
        changes={"ended_on": ended_on},
        user=user,
        action="education_change",
        case_code=record.case.code,
    )


def training_enrol(*, case: Case, trade: str, started_on: date, user) -> VocationalTraining:
    """Enrol a survivor in a vocational training."""
    return _enrol(
        model=VocationalTraining,
        case=case,
        field="trade",
        value=trade,
        started_on=started_on,
        user=user,
        action="training_enrol",
    )


def training_update(
    *,
    training: VocationalTraining,
    version: int,
    completed_on: date | None,
    certified_on: date | None,
    certificate_number: str,
    user,
) -> VocationalTraining:
    """Record completion and government certification (date and certificate number).

    Certification comes after completion, and a certificate has a number.
    """
    certificate_number = certificate_number.strip()
    _not_in_future(completed_on=completed_on, certified_on=certified_on)
    _not_before(
        "completed_on",
        completed_on,
        training.started_on,
        _("The training cannot be completed before it started (%(date)s).")
        % {"date": training.started_on.isoformat()},
    )
    if certified_on is not None and completed_on is None:
        raise ValidationError(
            {"completed_on": _("Record the completion date before the certification.")}
        )
    if certified_on is not None:
        _not_before(
            "certified_on",
            certified_on,
            completed_on,
            _("The certification cannot be before the completion."),
        )
        if not certificate_number:
            raise ValidationError(
                {"certificate_number": _("Enter the number printed on the certificate.")}
            )
    if certificate_number and certified_on is None:
        raise ValidationError(
            {"certified_on": _("Enter the date of the certificate with its number.")}
        )
    return _update_versioned(
        record=training,
        version=version,
        changes={
            "completed_on": completed_on,
            "certified_on": certified_on,
            "certificate_number": certificate_number,
        },
        user=user,
        action="training_change",
        case_code=training.case.code,
    )


def internship_add(
    *, case: Case, employer: str, started_on: date, ended_on: date | None = None, user
) -> Internship:
    """Record an internship with an employer."""
    employer = employer.strip()
    if not employer:
        raise ValidationError({"employer": _("Enter the employer.")})
    _not_in_future(started_on=started_on, ended_on=ended_on)
    _not_before("ended_on", ended_on, started_on, _("The internship cannot end before it started."))
    with transaction.atomic():
        internship = Internship.objects.create(
            case=case, employer=employer, started_on=started_on, ended_on=ended_on, created_by=user
        )
        _audit_created(
            user=user,
            action="internship_add",
            record=internship,
            case_code=case.code,
            fields={"employer": employer, "started_on": started_on, "ended_on": ended_on},
        )
    return internship


def internship_update(
    *, internship: Internship, version: int, employer: str, ended_on: date | None, user
) -> Internship:
    """Correct the employer or record the end of an internship."""
    employer = employer.strip()
    if not employer:
        raise ValidationError({"employer": _("Enter the employer.")})
    _not_in_future(ended_on=ended_on)
    _not_before(
        "ended_on",
        ended_on,
        internship.started_on,
        _("The internship cannot end before it started (%(date)s).")
        % {"date": internship.started_on.isoformat()},
    )
    return _update_versioned(
        record=internship,
        version=version,
        changes={"employer": employer, "ended_on": ended_on},
        user=user,
        action="internship_change",
        case_code=internship.case.code,
    )


def _audit_participants(*, user, activity: GroupActivity, added, removed) -> None:
    # One line per person, under her case code, so her file's audit shows it.
    for action, cases in (("activity_join", added), ("activity_leave", removed)):
        for case in cases:
            audit_record(
                user=user,
                action=action,
                case_code=case.code,
                details={"activity": str(activity.uuid), "center": activity.center.code},
            )


def activity_create(
    *,
    center: Shelter,
    kind: str,
    title: str,
    held_on: date,
    participants: Iterable[Case],
    notes: str = "",
    user,
) -> GroupActivity:
    """Record a group activity or study tour of a center with its participants."""
    if kind not in GroupActivity.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of activity.")})
    _not_in_future(held_on=held_on)
    participants = list(participants)
    with transaction.atomic():
        activity = GroupActivity.objects.create(
            center=center,
            kind=kind,
            title=title.strip(),
            held_on=held_on,
            notes=notes,
            created_by=user,
        )
        activity.participants.set(participants)
        audit_record(
            user=user,
            action="activity_create",
            details={
                "activity": str(activity.uuid),
                "center": center.code,
                "changes": audit_diff({}, {"kind": kind, "title": title, "held_on": held_on}),
            },
        )
        _audit_participants(user=user, activity=activity, added=participants, removed=())
    return activity


def activity_update(
    *,
    activity: GroupActivity,
    version: int,
    kind: str,
    title: str,
    held_on: date,
    participants: Iterable[Case],
    notes: str = "",
    user,
) -> GroupActivity:
    """Change an activity and its participants if nobody saved it since `version`.

    `participants` are the ones the editor chose among the cases she may see;
    participants she may not see are kept as they are.
    """
    if kind not in GroupActivity.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of activity.")})
    _not_in_future(held_on=held_on)
    chosen = {case.pk: case for case in participants}
    moved = {}

    def participants_change(current: GroupActivity) -> dict:
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        before = {case.pk: case for case in current.participants.all()}
        moved["added"] = [case for pk, case in chosen.items() if pk not in before]
        moved["removed"] = [
            case for pk, case in before.items() if pk in visible and pk not in chosen
        ]
        current.participants.add(*moved["added"])
        current.participants.remove(*moved["removed"])
        if not moved["added"] and not moved["removed"]:
            return {}
        # Counts only: who took part shows under each one's own case code.
        return {"participants": [len(moved["added"]), -len(moved["removed"])]}

    with transaction.atomic():
        saved = save_versioned(
            activity,
            version=version,
            changes={"kind": kind, "title": title.strip(), "held_on": held_on, "notes": notes},
            user=user,
            action="activity_change",
            case_code="",
            then=participants_change,
        )
        _audit_participants(
            user=user,
            activity=saved,
            added=moved.get("added", ()),
            removed=moved.get("removed", ()),
        )
    return saved


def resident_register(
    *,
    user,
    shelter: Shelter,
    admitted_on: date,
    given_name: str,
    family_name: str,
    consents: list[tuple[str, date]] = (),
    referral: dict | None = None,
    **fields,
) -> Case:
    """Intake: register a new survivor, record her consents and admit her to a
    center, in one transaction (a failed admission leaves no half-registered
    case). The case code takes the center's prefix (e.g. TD-2026-0042)."""
    with transaction.atomic():
        case = case_register(
            user=user,
            code_prefix=shelter.code,
            given_name=given_name,
            family_name=family_name,
            consents=consents,
            referral=referral,
            **fields,
        )
        stay_admit(case=case, shelter=shelter, admitted_on=admitted_on, user=user)
    return case


def center_staff_set(*, user, centers, by=None) -> None:
    """The centers a staff member works at; `by` is who decides it, for the
    audit line the membership signal writes."""
    token = current_actor.set(by)
    try:
        user.staff_profile.centers.set(centers)
    finally:
        current_actor.reset(token)
    user.__dict__.pop("_smf_center_ids", None)
