"""Outreach, clinic and advocacy pages. Thin: check access, validate, call one
service, redirect. Anyone outside outreach (and directors and administrators)
gets a 404; a director reads but may not write (403)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smf.core.views import form_page

from . import access, forms, selectors, services

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _record(
    request,
    *,
    form_class,
    save: Callable,
    title: str,
    done: Callable[[object], str],
    template: str = "outreach/form.html",
    form_kwargs: dict | None = None,
    extra: dict | None = None,
):
    """The one form runner (smf.core.views.form_page) over an outreach form:
    a valid POST calls `save(form)` and redirects to `done(saved)`."""
    access.require_outreach_write(request.user)
    kwargs = {"user": request.user, **(form_kwargs or {})}
    made = {}

    def make_form(data):
        made["form"] = form_class(data, **kwargs)
        return made["form"]

    return form_page(
        request,
        make_form=make_form,
        save=lambda _data: save(made["form"]),
        title=title,
        success=_("Saved."),
        back=done,
        template=template,
        context=extra,
    )


def _filtered_list(request, *, selector: Callable, template: str, with_venue: bool = False):
    """A list page filtered by team and dates (and province and venue kind)."""
    access.require_outreach(request.user)
    filter_form = forms.RecordFilterForm(
        request.GET or None, user=request.user, with_venue=with_venue
    )
    records = selector(user=request.user, flt=filter_form.record_filter())
    context = {
        "filter_form": filter_form,
        "page": _page(request, records),
        "can_edit": _can_edit(request),
    }
    return render(request, template, context)


def _can_edit(request) -> bool:
    return access.can_edit_outreach(request.user)


# Home ------------------------------------------------------------------------------


@login_required
def index(request):
    access.require_outreach(request.user)
    stock = selectors.supply_stock(user=request.user)
    return render(
        request,
        "outreach/index.html",
        {
            "low_stock": [item for item in stock if item.low and item.active],
            "recent_visits": selectors.outreach_visit_list(user=request.user)[:5],
            "can_edit": _can_edit(request),
        },
    )


# Venues ----------------------------------------------------------------------------


@login_required
def venue_list(request):
    access.require_outreach(request.user)
    search = forms.VenueSearchForm(request.GET or None)
    data = search.cleaned_data if search.is_valid() else {}
    venues = selectors.venue_list(
        user=request.user,
        search=data.get("q", ""),
        kind=data.get("kind", ""),
        active=search.active(),
    )
    return render(
        request,
        "outreach/venue_list.html",
        {"search": search, "page": _page(request, venues), "can_edit": _can_edit(request)},
    )


@login_required
def venue_create(request):
    return _record(
        request,
        form_class=forms.VenueForm,
        title=_("New venue"),
        save=lambda form: services.venue_create(user=request.user, **form.cleaned_data),
        done=lambda venue: reverse("outreach:venues"),
    )


@login_required
def venue_edit(request, code: str):
    access.require_outreach_write(request.user)
    venue = selectors.venue_get(user=request.user, code=code)
    return _record(
        request,
        form_class=forms.VenueForm,
        form_kwargs={"instance": venue},
        title=_("Venue %(code)s") % {"code": venue.code},
        save=lambda form: services.venue_update(
            venue=venue, user=request.user, **form.cleaned_data
        ),
        done=lambda venue: reverse("outreach:venues"),
    )


# Outreach visits ---------------------------------------------------------------------


@login_required
def visit_list(request):
    return _filtered_list(
        request,
        selector=selectors.outreach_visit_list,
        template="outreach/visit_list.html",
        with_venue=True,
    )


def _save_visit(request, form):
    data = form.cleaned_data
    return services.outreach_visit_record(
        user=request.user,
        venue=data["venue"],
        visited_on=data["visited_on"],
        team=data["team"],
        team_members=data["team_members"],
        contacts=data["contacts"],
        topics=data["topics"],
        clients_educated=data["clients_educated"] or 0,
        condoms=data["condoms"] or 0,
        soaps=data["soaps"] or 0,
        other_supplies=form.other_supplies(),
    )


@login_required
def visit_create(request):
    return _record(
        request,
        form_class=forms.OutreachVisitForm,
        title=_("Log an outreach visit"),
        template="outreach/visit_form.html",
        save=lambda form: _save_visit(request, form),
        done=lambda visit: reverse("outreach:visits"),
    )


# Supplies ------------------------------------------------------------------------------


@login_required
def supplies(request):
    access.require_outreach(request.user)
    return render(
        request,
        "outreach/supplies.html",
        {
            "items": selectors.supply_stock(user=request.user),
            "receipts": _page(request, selectors.supply_receipt_list(user=request.user)),
            "can_edit": _can_edit(request),
        },
    )


@login_required
def supply_receive(request):
    return _record(
        request,
        form_class=forms.SupplyReceiptForm,
        title=_("Stock received"),
        save=lambda form: services.supply_receipt_record(user=request.user, **form.cleaned_data),
        done=lambda receipt: reverse("outreach:supplies"),
    )


@login_required
def supply_item_create(request):
    return _record(
        request,
        form_class=forms.SupplyItemForm,
        title=_("New supply item"),
        save=lambda form: services.supply_item_create(user=request.user, **form.cleaned_data),
        done=lambda item: reverse("outreach:supplies"),
    )


@login_required
def supply_item_edit(request, code: str):
    access.require_outreach_write(request.user)
    item = selectors.supply_item_get(user=request.user, code=code)
    return _record(
        request,
        form_class=forms.SupplyThresholdForm,
        form_kwargs={
            "initial": {"low_stock_threshold": item.low_stock_threshold, "active": item.active}
        },
        title=item.name,
        save=lambda form: services.supply_item_update(
            item=item, user=request.user, **form.cleaned_data
        ),
        done=lambda _none: reverse("outreach:supplies"),
    )


# Clinic ------------------------------------------------------------------------------------


@login_required
def clinic_list(request):
    return _filtered_list(
        request, selector=selectors.clinic_visit_list, template="outreach/clinic_list.html"
    )


@login_required
def clinic_create(request):
    initial = {"client_code": request.GET.get("client", "")[:32]}
    return _record(
        request,
        form_class=forms.ClinicVisitForm,
        form_kwargs={"initial": initial},
        title=_("Log a clinic visit"),
        save=lambda form: services.clinic_visit_record(user=request.user, **form.cleaned_data),
        done=lambda visit: reverse("outreach:clinic_client", args=[visit.client_code]),
    )


@login_required
def clinic_client(request, code: str):
    access.require_outreach(request.user)
    visits = selectors.clinic_client_visits(user=request.user, code=code)
    return render(
        request,
        "outreach/clinic_client.html",
        {
            "client_code": code,
            "visits": visits,
            "referral_pending": selectors.clinic_referral_pending(visits),
            "enrolled": next((v.enrolled_case for v in visits if v.enrolled_case_id), None),
            "can_edit": _can_edit(request),
        },
    )


# Advocacy -------------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    return _filtered_list(
        request, selector=selectors.meeting_list, template="outreach/meeting_list.html"
    )


@login_required
def meeting_create(request):
    return _record(
        request,
        form_class=forms.MeetingForm,
        title=_("Log a meeting"),
        save=lambda form: services.meeting_record(user=request.user, **form.cleaned_data),
        done=lambda meeting: reverse("outreach:meetings"),
    )


@login_required
def event_list(request):
    return _filtered_list(
        request, selector=selectors.event_list, template="outreach/event_list.html"
    )


@login_required
def event_create(request):
    return _record(
        request,
        form_class=forms.EventForm,
        title=_("Log an event"),
        save=lambda form: services.event_record(user=request.user, **form.cleaned_data),
        done=lambda event: reverse("outreach:events"),
    )


@login_required
def activity_list(request):
    return _filtered_list(
        request, selector=selectors.advocacy_activity_list, template="outreach/activity_list.html"
    )


@login_required
def activity_create(request):
    return _record(
        request,
        form_class=forms.AdvocacyActivityForm,
        title=_("Log a police training or media campaign"),
        save=lambda form: services.advocacy_activity_record(user=request.user, **form.cleaned_data),
        done=lambda activity: reverse("outreach:activities"),
    )


# Monthly totals -------------------------------------------------------------------------------


@login_required
def totals(request):
    access.require_outreach(request.user)
    form = forms.TotalsForm(request.GET or {"year": timezone.localdate().year})
    if form.is_valid():
        year, team = form.cleaned_data["year"], form.cleaned_data["team"]
    else:
        year, team = timezone.localdate().year, None
    return render(
        request,
        "outreach/totals.html",
        {
            "form": form,
            "totals": selectors.monthly_totals(user=request.user, year=year, team=team),
            "measures": selectors.MEASURES,
        },
    )
