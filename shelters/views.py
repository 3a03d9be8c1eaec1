"""Center pages and the actions of center life.

Thin views: fetch through an access helper (404 for what the user may not see,
403 for a write she may not make), validate a form, call one service, go back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import access as case_access
from smf.core.views import back_url, form_page
from smf.staff.audit import audit_record

from . import access, case_panels, selectors, services
from .forms import (
    ActivityForm,
    AdmitByCodeForm,
    AdmitForm,
    DischargeForm,
    EducationEnrolForm,
    EducationUpdateForm,
    InternshipAddForm,
    InternshipUpdateForm,
    TrainingEnrolForm,
    TrainingUpdateForm,
    TransferForm,
)

RESIDENTS_PER_PAGE = 25


def case_file_url(case) -> str:
    return f"/cases/{case.code}/"


def _form_page(request, **kwargs):
    return form_page(request, template="shelters/form.html", **kwargs)


# Center pages ---------------------------------------------------------------


@login_required
def center_list(request):
    board = selectors.occupancy_board(user=request.user)
    totals = {
        key: sum(getattr(center, key) or 0 for center in board)
        for key in ("capacity", "residents", "admissions_this_month", "discharges_this_month")
    }
    return render(request, "shelters/center_list.html", {"board": board, "totals": totals})


@login_required
def center_detail(request, code: str):
    shelter = access.shelter_get_for_user(user=request.user, code=code)
    residents = Paginator(
        selectors.residents_now(shelter=shelter, user=request.user), RESIDENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "shelters/center_detail.html",
        {
            "shelter": shelter,
            "residents": residents,
            "admissions": selectors.recent_admissions(shelter=shelter, user=request.user),
            "discharges": selectors.recent_discharges(shelter=shelter, user=request.user),
            "activities": selectors.activities_of_center(shelter=shelter, user=request.user),
            "show_names": case_access.can_see_names(request.user),
            "can_edit": access.can_write_center(request.user, shelter),
        },
    )


def _center_for_write(request, code: str):
    return access.shelter_get_for_user(user=request.user, code=code, for_write=True)


@login_required
def center_admit(request, code: str):
    """Admit a registered survivor to this center, naming her by case code."""
    shelter = _center_for_write(request, code)

    def save(data):
        try:
            case = access.case_get_for_user(
                user=request.user, code=data["case_code"], for_write=True
            )
        except Http404 as error:
            raise ValidationError(
                {"case_code": _("There is no case with this code that you may open.")}
            ) from error
        services.stay_admit(
            case=case, shelter=shelter, admitted_on=data["admitted_on"], user=request.user
        )

    return _form_page(
        request,
        make_form=lambda data: AdmitByCodeForm(data),
        save=save,
        title=_("Admit a survivor to %(center)s") % {"center": shelter.name},
        success=_("Admitted."),
        back=back_url(request, f"/centers/{shelter.code}/"),
        context={"shelter": shelter},
    )


@login_required
def activity_add(request, code: str):
    shelter = _center_for_write(request, code)
    return _form_page(
        request,
        make_form=lambda data: ActivityForm(
            data,
            choices=selectors.participant_choices(user=request.user, shelter=shelter),
            show_names=case_access.can_see_names(request.user),
        ),
        save=lambda data: services.activity_create(
            center=shelter,
            kind=data["kind"],
            title=data["title"],
            held_on=data["held_on"],
            notes=data["notes"],
            participants=data["participants"],
            user=request.user,
        ),
        title=_("New activity at %(center)s") % {"center": shelter.name},
        success=_("Activity recorded."),
        back=f"/centers/{shelter.code}/",
        context={"shelter": shelter},
    )


@login_required
def activity_detail(request, code: str, uuid):
    """An activity with its participants; its staff may change it here."""
    shelter = access.shelter_get_for_user(user=request.user, code=code)
    activity = selectors.activity_get_for_user(user=request.user, shelter=shelter, uuid=uuid)
    can_edit = access.can_write_center(request.user, shelter)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("You may read this center's records but not change them."))
    if not can_edit:
        return render(
            request,
            "shelters/activity_detail.html",
            {
                "shelter": shelter,
                "activity": activity,
                "show_names": case_access.can_see_names(request.user),
            },
        )
    return _form_page(
        request,
        make_form=lambda data: ActivityForm(
            data,
            initial={
                "kind": activity.kind,
                "title": activity.title,
                "held_on": activity.held_on,
                "notes": activity.notes,
                "participants": activity.visible_participants,
                "version": activity.version,
            },
            choices=selectors.participant_choices(
                user=request.user, shelter=shelter, activity=activity
            ),
            show_names=case_access.can_see_names(request.user),
        ),
        save=lambda data: services.activity_update(
            activity=activity,
            version=data["version"] or activity.version,
            kind=data["kind"],
            title=data["title"],
            held_on=data["held_on"],
            notes=data["notes"],
            participants=data["participants"],
            user=request.user,
        ),
        title=activity.title,
        success=_("Activity saved."),
        back=f"/centers/{shelter.code}/",
        context={"shelter": shelter, "activity": activity},
    )


# Center life of one case ------------------------------------------------------


@login_required
def case_center(request, case_code: str):
    """The center-life section of a case file on a page of its own."""
    case = selectors.case_center_life(user=request.user, code=case_code)
    audit_record(
        user=request.user, action="case_view", case_code=case.code, details={"section": "center"}
    )
    return render(
        request,
        "shelters/case_center.html",
        {"case": case, **case_panels.center_life_context(request, case)},
    )


def _case_for_write(request, case_code: str):
    return selectors.case_center_life(user=request.user, code=case_code, for_write=True)


@login_required
def case_admit(request, case_code: str):
    case = _case_for_write(request, case_code)
    return _form_page(
        request,
        make_form=lambda data: AdmitForm(data, centers=access.intake_centers(request.user)),
        save=lambda data: services.stay_admit(
            case=case, shelter=data["shelter"], admitted_on=data["admitted_on"], user=request.user
        ),
        title=_("Admit %(case)s to a center") % {"case": case.code},
        success=_("Admitted."),
        back=back_url(request, case_file_url(case)),
        context={"case": case, "open_stay": selectors.open_stay_of(case)},
    )


def _stay_for_action(request, case):
    """The open stay to transfer or discharge. A form posted after someone else
    ended the stay gets that stay, so that the service refuses it as stale and
    the page shows both versions."""
    stay = selectors.open_stay_of(case)
    if stay is None and request.method == "POST":
        stay = next(reversed(case.stays.all()), None)
    if stay is None:
        messages.error(request, _("%(case)s is not in a center.") % {"case": case.code})
    access.require_sending_center(request.user, case=case, stay=stay)
    return stay


@login_required
def case_transfer(request, case_code: str):
    case = _case_for_write(request, case_code)
    back = back_url(request, case_file_url(case))
    stay = _stay_for_action(request, case)
    if stay is None:
        return redirect(back)
    return _form_page(
        request,
        make_form=lambda data: TransferForm(
            data, current=stay.shelter, initial={"version": stay.version}
        ),
        save=lambda data: services.stay_transfer(
            stay=stay,
            to_shelter=data["to_shelter"],
            on=data["on"],
            version=data["version"],
            user=request.user,
        ),
        title=_("Transfer %(case)s from %(center)s") % {"case": case.code, "center": stay.shelter},
        success=_("Transferred."),
        back=back,
        saved_fields=["shelter", "admitted_on", "left_on", "exit_reason"],
        context={"case": case},
    )


@login_required
def case_discharge(request, case_code: str):
    case = _case_for_write(request, case_code)
    back = back_url(request, case_file_url(case))
    stay = _stay_for_action(request, case)
    if stay is None:
        return redirect(back)
    return _form_page(
        request,
        make_form=lambda data: DischargeForm(data, initial={"version": stay.version}),
        save=lambda data: services.stay_discharge(
            stay=stay,
            left_on=data["left_on"],
            exit_reason=data["exit_reason"],
            version=data["version"],
            user=request.user,
        ),
        title=_("Discharge %(case)s from %(center)s") % {"case": case.code, "center": stay.shelter},
        success=_("Discharged."),
        back=back,
        saved_fields=["shelter", "admitted_on", "left_on", "exit_reason"],
        context={"case": case},
    )


def _record_add(request, case_code: str, *, form_class, service, title: str, success: str):
    """Add an education, training or internship record to a case."""
    case = _case_for_write(request, case_code)
    return _form_page(
        request,
        make_form=lambda data: form_class(data),
        save=lambda data: service(case=case, user=request.user, **data),
        title=title % {"case": case.code},
        success=success,
        back=back_url(request, case_file_url(case)),
        context={"case": case},
    )


def _record_edit(request, case_code: str, uuid, *, relation: str, form_class, service, title):
    """Change a record of a case; the form's fields are the service's arguments.

    `service` is called as service(<record>, user=..., **cleaned_data) where the
    record goes in under the service's own keyword (see the callers).
    """
    case = _case_for_write(request, case_code)
    record = selectors.case_record_get(case=case, relation=relation, uuid=uuid)
    initial = {name: getattr(record, name) for name in form_class.base_fields}
    return _form_page(
        request,
        make_form=lambda data: form_class(data, initial=initial),
        save=lambda data: service(record, user=request.user, **data),
        title=title(record, case),
        success=_("Saved."),
        back=back_url(request, case_file_url(case)),
        context={"case": case},
    )


@login_required
def education_add(request, case_code: str):
    return _record_add(
        request,
        case_code,
        form_class=EducationEnrolForm,
        service=services.education_enrol,
        title=_("Enrol %(case)s in a course"),
        success=_("Enrolled."),
    )


@login_required
def education_edit(request, case_code: str, uuid):
    return _record_edit(
        request,
        case_code,
        uuid,
        relation="education",
        form_class=EducationUpdateForm,
        service=lambda record, **kw: services.education_update(record=record, **kw),
        title=lambda record, case: (
            _("%(course)s of %(case)s") % {"course": record.get_course_display(), "case": case.code}
        ),
    )


@login_required
def training_add(request, case_code: str):
    return _record_add(
        request,
        case_code,
        form_class=TrainingEnrolForm,
        service=services.training_enrol,
        title=_("Enrol %(case)s in vocational training"),
        success=_("Enrolled."),
    )


@login_required
def training_edit(request, case_code: str, uuid):
    return _record_edit(
        request,
        case_code,
        uuid,
        relation="trainings",
        form_class=TrainingUpdateForm,
        service=lambda record, **kw: services.training_update(training=record, **kw),
        title=lambda record, case: (
            _("%(trade)s training of %(case)s")
            % {"trade": record.get_trade_display(), "case": case.code}
        ),
    )


@login_required
def internship_add(request, case_code: str):
    return _record_add(
        request,
        case_code,
        form_class=InternshipAddForm,
        service=services.internship_add,
        title=_("Internship of %(case)s"),
        success=_("Internship recorded."),
    )


@login_required
def internship_edit(request, case_code: str, uuid):
    return _record_edit(
        request,
        case_code,
        uuid,
        relation="internships",
        form_class=InternshipUpdateForm,
        service=lambda record, **kw: services.internship_update(internship=record, **kw),
        title=lambda record, case: _("Internship of %(case)s") % {"case": case.code},
    )
