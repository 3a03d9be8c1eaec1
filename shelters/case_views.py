"""The caseload pages: the case list with its filters and CSV export, the
intake of a new survivor (registered and admitted to a center in one step),
and the home page. They live here, not in the cases app, because a case's
status and current center come from its stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cases import access as case_access
from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case
from smf.core.forms import add_service_errors
from smf.core.spreadsheet import csv_writer
from smf.staff import sections

from . import access, case_search, selectors, services
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


def _list_query(filters: selectors.CaseListFilters, search_key: str = "") -> str:
    """The query string of a case list address: the search's key, never its
    text, and the other filters as validated (nothing else from the request)."""
    params = {
        "search": search_key,
        "status": filters.status,
        "center": filters.center,
        "intake_year": filters.intake_year,
        "exploitation_type": filters.exploitation_type,
        "in_training": "on" if filters.in_training else "",
        "reintegrated": "on" if filters.reintegrated else "",
        "sort": "" if filters.sort == selectors.CaseListFilters.sort else filters.sort,
    }
    return urlencode({name: value for name, value in params.items() if value})


def _list_url(filters: selectors.CaseListFilters, search_key: str = "") -> str:
    query = _list_query(filters, search_key)
    return reverse("caseload:list") + (f"?{query}" if query else "")


@dataclass(frozen=True)
class _ListState:
    form: CaseListForm
    filters: selectors.CaseListFilters
    search_key: str  # "" when there is no search, or its key was not found
    search_expired: bool


def _case_list_state(request) -> _ListState:
    """The filters from the query string and the search text from the session:
    the address holds the search's key only (see shelters.case_search)."""
    key = request.GET.get("search", "")
    text = case_search.case_search_recall(request.session, key) if key else None
    data = request.GET.copy()
    for name in ("q", "search", "page"):
        data.pop(name, None)
    if text:
        data["q"] = text
    if data:
        form = CaseListForm(data)
        filters = form.filters()
    else:
        filters = selectors.CaseListFilters()
        form = CaseListForm(initial={"sort": filters.sort})
    return _ListState(form, filters, key if text else "", bool(key) and not text)


def _search_expired(request) -> None:
    messages.info(request, _("That search has expired: type it again."))


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request):
    user = request.user
    if not case_access.sees_case_work(user):
        raise Http404
    if request.method == "POST":
        # The search box posts (its text stays out of the address), and the
        # filters with it; the answer is a redirect to an address with a key.
        form = CaseListForm(request.POST)
        filters = form.filters()
        key = case_search.case_search_remember(request.session, filters.q) if filters.q else ""
        return redirect(_list_url(filters, key))
    if "q" in request.GET:
        # An old bookmark (or a typed address) with the search text in it. The
        # text has reached this one request's access log already; running the
        # search would keep the bookmark working, and so send the name to the
        # log again each time it is used. Dropping it (the user types it once
        # more into the box, which posts) makes the bookmark useless, and it
        # gets replaced by one without the name. Nothing of it is echoed back.
        # (An empty q, which the old search form always sent, goes silently.)
        if request.GET["q"].strip():
            messages.info(
                request,
                _("Searches are no longer kept in the address: type it again in the box."),
            )
        state = _case_list_state(request)
        return redirect(_list_url(state.filters, state.search_key))
    state = _case_list_state(request)
    if state.search_expired:
        _search_expired(request)
    page = selectors.case_list_page(
        user=user, filters=state.filters, page_number=request.GET.get("page"), per_page=PAGE_SIZE
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "form": state.form,
            "page": page,
            "query": _list_query(state.filters, state.search_key),
            "searching": bool(state.search_key),
            "query_without_search": _list_query(state.filters),
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
@require_GET
def case_export(request):
    """The filtered case list as CSV: case codes and non-identifying fields only."""
    user = request.user
    if not case_access.sees_case_work(user):
        raise Http404
    state = _case_list_state(request)
    if state.search_expired:
        # Not the whole caseload in place of the few cases she searched for.
        _search_expired(request)
        return redirect(_list_url(state.filters))
    filters = state.filters
    rows = selectors.case_list(user=user, filters=filters).defer("given_name", "family_name")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    writer = csv_writer(response)
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
