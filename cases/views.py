"""Case work pages: thin views over cases.selectors (reads) and cases.services (writes)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, selectors, services
from .forms import (
    CaseEditForm,
    CaseListForm,
    CaseNoteForm,
    ConsentForm,
    ConsentWithdrawForm,
    HearingForm,
    IntakeForm,
    LegalCaseForm,
    LegalOutcomeForm,
)
from .models import Case, Hearing, LegalCase

PAGE_SIZE = 25


def _form_errors_from(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def home(request):
    """A dashboard per role: every journey is at most two clicks away."""
    user = request.user
    centers = list(access.intake_centers(user)) if access.can_register_case(user) else []
    context = {
        "can_register": access.can_register_case(user),
        "sees_cases": bool(access.roles_of(user) - {access.Role.OUTREACH_WORKER}),
        "can_read_audit": access.can_read_audit_log(user),
        "sees_legal": access.has_role(
            user,
            access.Role.LEGAL_OFFICER,
            access.Role.SOCIAL_WORKER,
            access.Role.CENTER_MANAGER,
            access.Role.DIRECTOR,
            access.Role.ADMINISTRATOR,
        ),
        "my_centers": centers if not access.sees_everything(user) else [],
        "recent_cases": selectors.recent_cases_viewed(user=user),
        "can_see_names": access.can_see_names(user),
    }
    return render(request, "home.html", context)


def _case_list_page(request):
    form = CaseListForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.CaseListFilters()
    if not request.GET:
        form = CaseListForm(initial={"sort": filters.sort})
    return form, filters


@login_required
def case_list(request):
    user = request.user
    if not access.roles_of(user) - {access.Role.OUTREACH_WORKER}:
        raise Http404
    form, filters = _case_list_page(request)
    page = selectors.case_list_page(
        user=user, filters=filters, page_number=request.GET.get("page"), per_page=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_see_names": access.can_see_names(user),
            "can_register": access.can_register_case(user),
            # One reverse() for the page instead of one per row.
            "file_url_prefix": reverse("cases:list"),
        },
    )


EXPORT_COLUMNS = (
    ("code", gettext_lazy("case code")),
    ("status", gettext_lazy("status")),
    ("current_center_code", gettext_lazy("current center")),
    ("sex", gettext_lazy("sex")),
    ("birth_year", gettext_lazy("birth year")),
    ("nationality", gettext_lazy("nationality")),
    ("intake_date", gettext_lazy("intake date")),
    ("referral_source", gettext_lazy("referral source")),
    ("exploitation_type", gettext_lazy("exploitation type")),
)


def _csv_value(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@login_required
def case_export(request):
    """The filtered case list as CSV: case codes and non-identifying fields only."""
    user = request.user
    if not access.roles_of(user) - {access.Role.OUTREACH_WORKER}:
        raise Http404
    _form, filters = _case_list_page(request)
    rows = selectors.case_list(user=user, filters=filters).defer("given_name", "family_name")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    writer = csv.writer(response)
    writer.writerow([str(label) for _field, label in EXPORT_COLUMNS])
    codes = []
    for case in rows.iterator(chunk_size=2000):
        codes.append(case.code)
        writer.writerow([_csv_value(getattr(case, f)) for f, _label in EXPORT_COLUMNS])
    services.cases_export_audit(user=user, codes=codes, filters=filters.as_dict())
    return response


@login_required
def case_new(request):
    """Intake: register a survivor, her consents, and admit her, in one step."""
    user = request.user
    if not access.can_register_case(user):
        raise Http404
    clinic_client = request.GET.get("clinic_client", "").strip()[:32]
    initial = {"clinic_client": clinic_client}
    if clinic_client:
        initial["referral_source"] = Case.ReferralSource.CLINIC
    form = IntakeForm(request.POST or None, user=user, initial=initial)
    matches = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = selectors.case_duplicates(
            user=user,
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_year=data["birth_year"],
        )
        if matches and not data["confirm_new_person"]:
            form.show_confirmation()
        else:
            try:
                case = services.case_register(
                    user=user,
                    shelter=data["center"],
                    admitted_on=data["admitted_on"],
                    consents=form.consents(),
                    clinic_client_code=data["clinic_client"],
                    **form.case_fields(),
                )
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(
                    request, _("Registered as %(code)s and admitted.") % {"code": case.code}
                )
                return redirect("cases:file", code=case.code)
    elif request.method == "POST" and request.POST.get("confirm_new_person"):
        form.show_confirmation()
    return render(
        request,
        "cases/case_new.html",
        {"form": form, "matches": matches, "can_see_names": access.can_see_names(user)},
    )


def _case_file_context(request, case, **extra):
    user = request.user
    stays = list(case.stays.all())
    return {
        "case": case,
        "can_edit": access.can_edit_case(user, case),
        "can_see_names": access.can_see_names(user),
        "can_read_audit": access.can_read_audit_log(user),
        "can_edit_legal": access.can_edit_legal(user),
        # The reintegration section follows the reintegration pages' own rule.
        "can_read_reintegration": access.can_read_reintegration(user),
        "current_stay": next((s for s in stays if s.left_on is None), None),
        "stays": stays,
        "note_form": CaseNoteForm(),
        "consent_form": ConsentForm(),
        "withdraw_form": ConsentWithdrawForm(),
        **extra,
    }


@login_required
def case_file(request, code):
    case = selectors.case_file_get(user=request.user, code=code)
    services.audit_record(user=request.user, action="case_view", case_code=case.code)
    return render(request, "cases/case_file.html", _case_file_context(request, case))


@login_required
def case_edit(request, code):
    """Edit the details; a save against a version someone else changed is refused."""
    user = request.user
    case = access.case_get_for_user(user=user, code=code, for_write=True)
    fields = services.CASE_EDITABLE_FIELDS
    conflict = None
    if request.method == "POST":
        form = CaseEditForm(request.POST)
        if form.is_valid():
            changes = form.case_fields()
            try:
                services.case_update(
                    case=case, changes=changes, version=form.cleaned_data["version"], user=user
                )
            except services.StaleVersion as stale:
                current = stale.current
                conflict = {
                    "yours": form.cleaned_data["version"],
                    "current": current.version,
                    "rows": [
                        (form.fields[f].label, changes[f], getattr(current, f))
                        for f in fields
                        if changes[f] != getattr(current, f)
                    ],
                }
                # The form now names the current version: saving again is a
                # deliberate choice made after seeing both versions.
                data = request.POST.copy()
                data["version"] = current.version
                form = CaseEditForm(data)
                form.is_valid()
                services.audit_record(
                    user=user,
                    action="case_change_refused",
                    case_code=case.code,
                    details={"version": [conflict["yours"], conflict["current"]]},
                )
            else:
                messages.success(request, _("The case details were saved."))
                return redirect("cases:file", code=case.code)
    else:
        form = CaseEditForm(
            initial={**{f: getattr(case, f) for f in fields}, "version": case.version}
        )
        services.audit_record(
            user=user, action="case_view", case_code=case.code, details={"page": "edit"}
        )
    return render(
        request,
        "cases/case_edit.html",
        {"case": case, "form": form, "conflict": conflict},
    )


def _rerender_file(request, code, **forms):
    case = selectors.case_file_get(user=request.user, code=code)
    return render(
        request, "cases/case_file.html", _case_file_context(request, case, **forms), status=400
    )


@login_required
@require_POST
def note_add(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        try:
            services.case_note_add(case=case, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The note was added."))
            return redirect(f"{case_url(case)}#notes")
    return _rerender_file(request, code, note_form=form)


def case_url(case) -> str:
    return reverse("cases:file", kwargs={"code": case.code})


@login_required
@require_POST
def consent_add(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(case=case, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect(f"{case_url(case)}#consents")
    return _rerender_file(request, code, consent_form=form)


@login_required
@require_POST
def consent_withdraw(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        consent = case.consents.filter(pk=form.cleaned_data["consent"]).first()
        if consent is None:
            raise Http404
        try:
            services.consent_withdraw(
                consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"], user=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The withdrawal was recorded."))
    else:
        messages.error(request, _("Give the date she withdrew her consent."))
    return redirect(f"{case_url(case)}#consents")


@login_required
def legal_case_new(request, code):
    user = request.user
    case = access.case_get_for_user(user=user, code=code, for_write=True)
    if not access.can_edit_legal(user):
        raise Http404
    form = LegalCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            legal_case = services.legal_case_open(case=case, user=user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The legal case was opened."))
            return redirect("cases:legal_detail", reference=legal_case.reference)
    return render(request, "cases/legal_case_new.html", {"case": case, "form": form})


@login_required
def legal_list(request):
    user = request.user
    if not access.roles_of(user) - {access.Role.OUTREACH_WORKER}:
        raise Http404
    paginator = Paginator(selectors.legal_case_list(user=user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for legal_case in page:
        legal_case.stage_label = Hearing.Stage(legal_case.stage).label if legal_case.stage else ""
    return render(request, "cases/legal_list.html", {"page": page})


def _legal_detail(request, legal_case, *, hearing_form=None, outcome_form=None, status=200):
    hearings = list(legal_case.hearings.all())
    return render(
        request,
        "cases/legal_detail.html",
        {
            "legal_case": legal_case,
            "hearings": hearings,
            "stage": hearings[-1].get_stage_display() if hearings else "",
            "can_edit": access.can_edit_legal(request.user),
            "hearing_form": hearing_form or HearingForm(),
            "outcome_form": outcome_form
            or LegalOutcomeForm(
                initial={"outcome": legal_case.outcome, "closed_on": legal_case.closed_on}
            ),
        },
        status=status,
    )


@login_required
def legal_detail(request, reference):
    legal_case = access.legal_case_get_for_user(
        user=request.user,
        reference=reference,
        queryset=_legal_queryset(),
    )
    return _legal_detail(request, legal_case)


def _legal_queryset():
    return LegalCase.objects.select_related("case").prefetch_related(
        Prefetch("hearings", queryset=Hearing.objects.order_by("held_on", "id"))
    )


@login_required
@require_POST
def hearing_add(request, reference):
    legal_case = access.legal_case_get_for_user(
        user=request.user, reference=reference, for_write=True, queryset=_legal_queryset()
    )
    form = HearingForm(request.POST)
    if form.is_valid():
        try:
            services.hearing_record(legal_case=legal_case, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The hearing was recorded."))
            return redirect("cases:legal_detail", reference=legal_case.reference)
    return _legal_detail(request, legal_case, hearing_form=form, status=400)


@login_required
@require_POST
def legal_outcome(request, reference):
    legal_case = access.legal_case_get_for_user(
        user=request.user, reference=reference, for_write=True, queryset=_legal_queryset()
    )
    form = LegalOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.legal_case_set_outcome(
                legal_case=legal_case, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The outcome was recorded."))
            return redirect("cases:legal_detail", reference=legal_case.reference)
    return _legal_detail(request, legal_case, outcome_form=form, status=400)


def _audit_page(request, entries, **context):
    paginator = Paginator(entries, 50)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "cases/audit_log.html", {"page": page, "query": query.urlencode(), **context}
    )


@login_required
def audit_case(request, code):
    """The audit trail of one case code (including refused attempts on it)."""
    if not access.can_read_audit_log(request.user):
        raise Http404
    return _audit_page(request, selectors.audit_entries(case_code=code), case_code=code)


@login_required
def audit_user(request):
    """The audit trail of one user (?user=<username>), or the whole log."""
    if not access.can_read_audit_log(request.user):
        raise Http404
    username = request.GET.get("user", "").strip()[:150]
    return _audit_page(
        request, selectors.audit_entries(username=username), username=username, query_user=True
    )
