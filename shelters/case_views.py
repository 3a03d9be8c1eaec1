"""The caseload pages: the case list with its filters and CSV export, the
intake of a new survivor (registered and admitted to a center in one step),
and the home page. They live here, not in the cases app, because a case's
status and current center come from its stays.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import access as case_access
from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case
from smf.core.forms import add_service_errors
from smf.staff import sections

from . import access, selectors, services
from .forms import CaseListForm, IntakeForm

PAGE_SIZE = 25


@login_required
def home(request):
    """A dashboard per role: every journey is at most two clicks away."""
    user = request.user
    centers = list(access.intake_centers(user))
    context = {
        "can_register": bool(centers),
        "sees_cases": case_access.sees_case_work(user),
        "can_read_audit": sections.can_read(user, "audit_log"),
        "sees_legal": sections.can_read(user, case_access.LEGAL.key),
        "my_centers": centers,
        "recent_cases": case_selectors.recent_cases_viewed(user=user),
        "can_see_names": case_access.can_see_names(user),
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
    if not case_access.sees_case_work(user):
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
            "can_see_names": case_access.can_see_names(user),
            "can_register": access.can_register_case(user),
            "sees_legal": sections.can_read(user, case_access.LEGAL.key),
            # One reverse() for the page instead of one per row.
            "file_url_prefix": "/cases/",
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
    if not case_access.sees_case_work(user):
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
    case_services.cases_export_audit(user=user, codes=codes, filters=filters.as_dict())
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
                case = services.resident_register(
                    user=user,
                    shelter=data["center"],
                    admitted_on=data["admitted_on"],
                    consents=form.consents(),
                    referral={"clinic_client": data["clinic_client"]},
                    **form.case_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
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
        {"form": form, "matches": matches, "can_see_names": case_access.can_see_names(user)},
    )
