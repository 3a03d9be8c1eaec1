"""Pages of the reintegration team. Thin: fetch through cases.access, validate,
call one service, redirect. Pages show case codes, never names."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from smf.core.views import form_page
from smf.staff import sections
from smf.staff.audit import audit_record
from smf.staff.roles import Role, has_role
from smf.staff.signin import client_address

from . import access, selectors, services
from .feed import feed_render
from .forms import (
    CancelForm,
    PlanForm,
    RecordForm,
    ReintegrateForm,
    RescheduleForm,
    SettingsForm,
    SupportForm,
    VisitAddForm,
    yes_no,
)
from .models import FollowUpVisit

PAGE_SIZE = 25


def _form_page(request, *, case, title, back=None, visit=None, intro="", js="", **kwargs):
    """The one form runner, on this app's form template."""
    return form_page(
        request,
        template="reintegration/form.html",
        title=title,
        back=back or _case_url(case.code),
        context={"case": case, "visit": visit, "intro": intro, "js": js},
        **kwargs,
    )


def _require_agenda(user) -> None:
    access.require_agenda(user)


def _team_page(request, template: str, context: dict):
    """A page of the team's tabs (the settings tab only for administrators)."""
    context["can_configure"] = sections.can_write(request.user, access.SETTINGS.key)
    return render(request, template, context)


# The months the calendar shows: from the organisation's first records to a few
# years of planned visits ahead.
CALENDAR_FIRST_YEAR = 2000
CALENDAR_YEARS_AHEAD = 10


def _filters(request) -> dict:
    officer = request.GET.get("officer", "")
    return {
        "officer_id": int(officer) if officer.isdigit() else None,
        "province": request.GET.get("province", "")[:60],
    }


def _case_url(code: str) -> str:
    return reverse("reintegration:case", kwargs={"code": code})


@login_required
def agenda(request):
    """Visits due this week or month, or overdue; by officer and province."""
    _require_agenda(request.user)
    today = timezone.localdate()
    show = request.GET.get("show", "week")
    if show not in selectors.AGENDA_SHOWS:
        show = "week"
    filters = _filters(request)
    visits = selectors.agenda_visits(user=request.user, today=today, show=show, **filters)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return _team_page(
        request,
        "reintegration/agenda.html",
        {
            "show": show,
            "page": page,
            "counts": selectors.agenda_counts(user=request.user, today=today, **filters),
            "officers": selectors.officers(),
            "provinces": selectors.provinces(),
            "filters": filters,
            "today": today,
            "can_edit": sections.can_write(request.user, access.REINTEGRATION.key),
        },
    )


@login_required
def month_calendar(request):
    _require_agenda(request.user)
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if not CALENDAR_FIRST_YEAR <= first.year <= today.year + CALENDAR_YEARS_AHEAD:
        # No follow-up visit lies there (and month arithmetic ends at 1 and 9999).
        first = today.replace(day=1)
    filters = _filters(request)
    weeks = selectors.calendar_month(
        user=request.user, year=first.year, month=first.month, **filters
    )
    previous = (first.replace(day=1) - date.resolution).replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return _team_page(
        request,
        "reintegration/calendar.html",
        {
            "weeks": weeks,
            "first": first,
            "previous": previous,
            "following": following,
            "today": today,
            "officers": selectors.officers(),
            "provinces": selectors.provinces(),
            "filters": filters,
        },
    )


@login_required
def team(request):
    """The share of visits made on time, per year and per officer."""
    _require_agenda(request.user)
    return _team_page(
        request,
        "reintegration/team.html",
        {"share": selectors.on_time_share(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_settings(request):
    """The organisation's follow-up schedule: administrators only."""
    access.require_settings(request.user)
    current = selectors.followup_settings_current()
    initial = {
        "interval_months": current.interval_months,
        "duration_months": current.duration_months,
    }
    return form_page(
        request,
        make_form=lambda data: SettingsForm(data, initial=initial),
        save=lambda data: services.followup_settings_update(user=request.user, **data),
        title=_("Follow-up schedule"),
        success=_("The follow-up schedule was saved."),
        back=reverse("reintegration:settings"),
        template="reintegration/settings.html",
        context={"can_configure": True},
    )


# --- One case ------------------------------------------------------------------


@login_required
def case_page(request, code):
    case = access.case_get_for_user(user=request.user, code=code)
    audit_record(user=request.user, action="reintegration_view", case_code=case.code)
    data = selectors.case_reintegration(case)
    can_edit = sections.can_write(request.user, access.REINTEGRATION.key)
    return render(
        request,
        "reintegration/case.html",
        {
            "case": case,
            "can_edit": can_edit,
            # Not offered to an officer whose team does not serve her center (403).
            "can_record_exit": can_edit and access.may_record_exit(request.user, data["open_stay"]),
            **data,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    plan = selectors.case_reintegration(case)["plan"]
    initial = {}
    if plan:
        initial = {
            "pathway": plan.pathway,
            "officer": plan.officer_id,
            "interval_months": plan.interval_months,
            "duration_months": plan.duration_months,
            "version": plan.version,
        }
    elif has_role(request.user, Role.REINTEGRATION_OFFICER):
        initial = {"officer": request.user.pk}
    return _form_page(
        request,
        case=case,
        make_form=lambda data: PlanForm(data, initial=initial),
        save=lambda data: services.plan_save(
            case=case,
            pathway=data["pathway"],
            officer=data["officer"],
            interval_months=data["interval_months"],
            duration_months=data["duration_months"],
            version=data["version"],
            user=request.user,
        ),
        title=_("Reintegration plan"),
        success=_("The reintegration plan was saved."),
        saved_fields=["pathway", "officer", "interval_months", "duration_months"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def reintegrate(request, code):
    """Record the exit from the center: reintegrated. Schedules the visits."""
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    data = selectors.case_reintegration(case)
    stay = data["open_stay"]
    access.require_exit_from_served_center(request.user, case=case, stay=stay)
    initial = {"left_on": timezone.localdate(), "stay_version": stay.version if stay else None}
    return _form_page(
        request,
        case=case,
        make_form=lambda data: ReintegrateForm(data, initial=initial),
        save=lambda data: services.reintegration_record(
            case=case,
            left_on=data["left_on"],
            stay_version=data["stay_version"],
            user=request.user,
        ),
        title=_("Record her reintegration"),
        success=_("Her reintegration was recorded and visits scheduled."),
        saved_fields=["left_on", "exit_reason"],
        intro=_("Her stay at %(center)s ends with the reason: reintegrated.")
        % {"center": stay.shelter.name}
        if stay
        else _("She is not in a center."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_add(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    initial = {"given_on": timezone.localdate(), "currency": "USD"}
    return _form_page(
        request,
        case=case,
        make_form=lambda data: SupportForm(data, initial=initial),
        save=lambda data: services.support_add(case=case, user=request.user, **data),
        title=_("Support given"),
        success=_("The support was recorded."),
        js="reintegration.js",
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_add(request, code):
    case = access.case_get_for_user(user=request.user, code=code, for_write=True)
    return _form_page(
        request,
        case=case,
        make_form=lambda data: VisitAddForm(data),
        save=lambda data: services.followup_add(case=case, user=request.user, **data),
        title=_("Add a follow-up visit"),
        success=_("The visit was added."),
    )


# --- One visit -----------------------------------------------------------------

ALERTED_AS = {
    "social_worker": gettext_lazy("her social worker"),
    "center_manager": gettext_lazy("the manager of her last center"),
    "team_lead": gettext_lazy("the team lead"),
    "director": gettext_lazy("the directors"),
}


def _tell_who_is_alerted(request, visit) -> None:
    """An at-risk visit always tells someone; the officer learns who."""
    recipients, alerted_as = services.at_risk_recipients(visit)
    if not recipients:
        messages.error(
            request,
            _(
                "Nobody could be alerted: no social worker, center manager, team lead or "
                "director has an email address. Call your team lead now."
            ),
        )
        return
    messages.warning(
        request,
        _("At risk: %(who)s (%(as)s) will be alerted by email.")
        % {
            "who": ", ".join(u.get_full_name() or u.username for u in recipients),
            "as": ALERTED_AS[alerted_as],
        },
    )


def _visit_form_page(request, uuid, form_class, initial, service, done, title):
    visit = access.followup_get_for_user(user=request.user, uuid=uuid, for_write=True)
    return _form_page(
        request,
        case=visit.case,
        visit=visit,
        make_form=lambda data: form_class(
            data, initial={"version": visit.version, **initial(visit)}
        ),
        save=lambda data: service(visit, data),
        title=title,
        success=done,
        saved_fields=[name for name in form_class.base_fields if name != "version"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request, uuid):
    def record(visit, data):
        saved = services.followup_record(
            visit=visit,
            user=request.user,
            **{
                **data,
                "still_operating": yes_no(data["still_operating"]),
                "needs_more_help": yes_no(data["needs_more_help"]),
            },
        )
        if saved.outcome == FollowUpVisit.Outcome.AT_RISK:
            _tell_who_is_alerted(request, saved)
        return saved

    return _visit_form_page(
        request,
        uuid,
        RecordForm,
        lambda v: {
            "visited_on": v.visited_on or timezone.localdate(),
            "visitor_role": v.visitor_role or FollowUpVisit.VisitorRole.SOCIAL_WORKER,
            "outcome": v.outcome,
            "housing": v.housing,
            "income": v.income,
            "health": v.health,
            "safety": v.safety,
            "income_band": v.income_band,
            "notes": v.notes,
        },
        record,
        _("The visit was recorded."),
        _("Record the visit"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_reschedule(request, uuid):
    return _visit_form_page(
        request,
        uuid,
        RescheduleForm,
        lambda v: {"due_on": v.due_on, "assigned_to": v.assigned_to_id},
        lambda visit, data: services.followup_reschedule(visit=visit, user=request.user, **data),
        _("The visit was rescheduled."),
        _("Reschedule or reassign the visit"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_cancel(request, uuid):
    return _visit_form_page(
        request,
        uuid,
        CancelForm,
        lambda v: {},
        lambda visit, data: services.followup_cancel(visit=visit, user=request.user, **data),
        _("The visit was cancelled."),
        _("Cancel the visit"),
    )


# --- The personal calendar feed -------------------------------------------------


@login_required
def feed_settings(request):
    _require_agenda(request.user)
    address = selectors.feed_address(user=request.user)
    url = (
        request.build_absolute_uri(reverse("reintegration:feed", kwargs={"token": address.token}))
        if address and not address.expired
        else ""
    )
    return _team_page(
        request, "reintegration/feed_settings.html", {"feed": address, "feed_url": url}
    )


@login_required
@require_POST
def feed_token(request):
    """Regenerate (new secret address) or revoke the user's calendar feed."""
    _require_agenda(request.user)
    if request.POST.get("action") == "revoke":
        services.calendar_token_revoke(user=request.user)
        messages.success(request, _("Your calendar feed address no longer works."))
    else:
        services.calendar_token_regenerate(user=request.user)
        messages.success(request, _("Your calendar has a new secret address."))
    return redirect("reintegration:feed_settings")


def feed(request, token):
    """The feed itself: no login (phones cannot log in); the token is the credential.

    An unknown, replaced, revoked or expired token, or one whose owner may no
    longer read the agenda, is the same 404. Every fetch is audited, refused
    ones at a bounded rate; the token itself is in no audit line and, through
    smf/log_redaction.py, in no log line."""
    owner, refused = selectors.feed_owner(token)
    if not refused and not sections.can_read(owner, access.AGENDA.key):
        refused = "no_access"
    address = client_address(request)
    if refused:
        services.calendar_feed_refusal_audit(owner=owner, address=address, reason=refused)
        raise Http404
    visits = selectors.visits_for_feed(user=owner)
    body = feed_render(visits=visits, base_url=request.build_absolute_uri("/").rstrip("/"))
    services.calendar_feed_audit(owner=owner, address=address, visits=len(visits))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="followup-visits.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
