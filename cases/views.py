"""Case work pages: thin views over cases.selectors (reads) and cases.services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smf.core.forms import add_service_errors
from smf.core.versioning import StaleVersion
from smf.core.views import form_page
from smf.staff import sections

from . import access, panels, selectors, services
from .forms import (
    CaseEditForm,
    CaseNoteForm,
    ConsentForm,
    ConsentWithdrawForm,
    HearingForm,
    LegalCaseForm,
    LegalOutcomeForm,
)
from .models import Hearing, LegalCase

PAGE_SIZE = 25


def _case_file_context(request, case, **forms):
    """The case file: every panel the user may read, each rendered with what
    its app loads for it."""
    user = request.user
    rendered = []
    for panel in panels.panels_for(user):
        context = {"case": case, **panel.context(request, case), **forms}
        rendered.append((panel, render_to_string(panel.template, context, request=request)))
    return {
        "case": case,
        "panels": rendered,
        "can_edit_identity": sections.can_write(user, access.IDENTITY.key),
        "can_read_audit": sections.can_read(user, "audit_log"),
    }


@login_required
def case_file(request, code):
    case = selectors.case_file_get(user=request.user, code=code)
    services.audit_record(user=request.user, action="case_view", case_code=case.code)
    return render(request, "cases/case_file.html", _case_file_context(request, case))


@login_required
def case_edit(request, code):
    """Edit the particulars; a save over a version someone else saved is refused
    with both versions side by side (the one conflict screen)."""
    user = request.user
    case = access.case_get_for_user(
        user=user, code=code, section=access.IDENTITY.key, for_write=True
    )
    fields = services.CASE_EDITABLE_FIELDS
    if request.method == "GET":
        services.audit_record(
            user=user, action="case_view", case_code=case.code, details={"page": "edit"}
        )
    initial = {**{f: getattr(case, f) for f in fields}, "version": case.version}

    def save(data):
        try:
            return services.case_update(
                case=case,
                changes=CaseEditForm.case_fields_of(data),
                version=data["version"],
                user=user,
            )
        except StaleVersion as stale:
            # A refused save of her particulars is part of the case's trail.
            services.audit_record(
                user=user,
                action="case_change_refused",
                case_code=case.code,
                details={"version": [data["version"], stale.current.version]},
            )
            raise

    return form_page(
        request,
        make_form=lambda data: CaseEditForm(data, initial=initial),
        save=save,
        title=_("Edit the details of %(code)s") % {"code": case.code},
        success=_("The case details were saved."),
        back=case_url(case),
        template="cases/case_edit.html",
        saved_fields=list(fields),
        context={"case": case},
    )


def _rerender_file(request, case, **forms):
    case = selectors.case_file_get(user=request.user, code=case.code)
    return render(
        request, "cases/case_file.html", _case_file_context(request, case, **forms), status=400
    )


@login_required
@require_POST
def note_add(request, code):
    user = request.user
    case = access.case_get_for_user(user=user, code=code)
    kinds = access.note_kinds_writable(user)
    if not kinds:
        services.audit_record(
            user=user, action="write_denied", case_code=case.code, details={"section": "notes"}
        )
        raise PermissionDenied(_("You may not add notes to this case."))
    form = CaseNoteForm(request.POST, kinds=kinds)
    if form.is_valid():
        try:
            services.case_note_add(case=case, user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The note was added."))
            return redirect(f"{case_url(case)}#notes")
    return _rerender_file(request, case, note_form=form)


def case_url(case) -> str:
    return reverse("cases:file", kwargs={"code": case.code})


@login_required
@require_POST
def consent_add(request, code):
    case = access.case_get_for_user(
        user=request.user, code=code, section=access.CONSENTS.key, for_write=True
    )
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(case=case, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect(f"{case_url(case)}#consents")
    return _rerender_file(request, case, consent_form=form)


@login_required
@require_POST
def consent_withdraw(request, code):
    case = access.case_get_for_user(
        user=request.user, code=code, section=access.CONSENTS.key, for_write=True
    )
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
    case = access.case_get_for_user(
        user=user, code=code, section=access.LEGAL_REFERRAL.key, for_write=True
    )
    return form_page(
        request,
        make_form=lambda data: LegalCaseForm(data),
        save=lambda data: services.legal_case_open(case=case, user=user, **data),
        title=_("Open a legal case for %(code)s") % {"code": case.code},
        success=_("The legal case was opened."),
        back=lambda legal_case: reverse(
            "cases:legal_detail", kwargs={"reference": legal_case.reference}
        ),
        template="cases/legal_case_new.html",
        context={"case": case},
    )


@login_required
def legal_list(request):
    user = request.user
    access.require_section(user, access.LEGAL.key)
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
            "can_edit": sections.can_write(request.user, access.LEGAL.key),
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
            add_service_errors(form, error)
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
            add_service_errors(form, error)
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
    access.require_section(request.user, "audit_log")
    return _audit_page(request, selectors.audit_entries(case_code=code), case_code=code)


@login_required
def audit_user(request):
    """The audit trail of one user (?user=<username>), or the whole log."""
    access.require_section(request.user, "audit_log")
    username = request.GET.get("user", "").strip()[:150]
    return _audit_page(
        request, selectors.audit_entries(username=username), username=username, query_user=True
    )
