"""Every write to centers, stays, education, training and internships."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.models import Case
from cases.services import audit_diff, audit_record

from .models import Shelter, Stay


class StaleVersion(Exception):
    """Someone else saved this record since it was read: nothing was written."""

    def __init__(self, current):
        super().__init__("the record was changed by someone else")
        self.current = current


def stay_admit(*, case: Case, shelter: Shelter, admitted_on: date, user) -> Stay:
    """Admit a survivor to a center. A case has at most one open stay."""
    if admitted_on > date.today():
        raise ValidationError({"admitted_on": _("The admission date cannot be in the future.")})
    with transaction.atomic():
        if Stay.objects.select_for_update().filter(case=case, left_on__isnull=True).exists():
            raise ValidationError(
                _("This survivor is already in a center: discharge or transfer her instead.")
            )
        last = Stay.objects.filter(case=case).order_by("-left_on").first()
        if last and last.left_on and admitted_on < last.left_on:
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
            details={"shelter": shelter.code, "admitted_on": admitted_on.isoformat()},
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
    if left_on > date.today():
        raise ValidationError({"left_on": _("The date she left cannot be in the future.")})
    with transaction.atomic():
        expected = stay.version if version is None else version
        updated = Stay.objects.filter(pk=stay.pk, version=expected, left_on__isnull=True).update(
            left_on=left_on, exit_reason=exit_reason, version=expected + 1
        )
        if not updated:
            raise StaleVersion(Stay.objects.get(pk=stay.pk))
        audit_record(
            user=user,
            action="stay_discharge",
            case_code=stay.case.code,
            details=audit_diff(
                {"left_on": None, "exit_reason": ""},
                {"left_on": left_on, "exit_reason": exit_reason},
            ),
        )
    stay.refresh_from_db()
    return stay


def stay_transfer(
    *, stay: Stay, to_shelter: Shelter, on: date, user, version: int | None = None
) -> Stay:
    """Move a resident to another center: one stay ends, the next begins the same day."""
    if to_shelter.pk == stay.shelter_id:
        raise ValidationError({"to_shelter": _("She is already in this center.")})
    with transaction.atomic():
        stay_discharge(
            stay=stay,
            left_on=on,
            exit_reason=Stay.ExitReason.TRANSFERRED,
            user=user,
            version=version,
        )
        return stay_admit(case=stay.case, shelter=to_shelter, admitted_on=on, user=user)
