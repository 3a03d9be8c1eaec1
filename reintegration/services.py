"""Every write of the reintegration team: plans, exits, support, follow-up visits,
the at-risk alert, the daily digest and the personal calendar feed token.

The schedule: visits fall every `interval` months after the day she was
reintegrated, for `duration` months (3 and 24 by default: eight visits). Each
date is counted from that day, never from the previous visit, and a day that
does not exist in the month is clamped to the month's last day: reintegrated
on 31 January, the visits fall on 30 April, 31 July, 31 October, 31 January...;
every month from 31 January gives 28 (or 29) February, then 31 March again. A
survivor reintegrated on 29 February is visited on 28 February in the years
without one.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from shelters.models import Stay
from shelters.services import stay_discharge
from smf.core.queue import enqueue_on_commit
from smf.core.versioning import StaleVersion, save_versioned
from smf.staff.audit import audit_diff, audit_record
from smf.staff.models import StaffProfile, Team
from smf.staff.roles import Role
from smf.staff.signin import REFUSED_AUDIT_SECONDS

from .models import (
    DigestSent,
    FollowUpSettings,
    FollowUpVisit,
    ReintegrationPlan,
    ReintegrationSupport,
    TeamLead,
)
from .selectors import followup_settings_current, visits_for_digest

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
DIGEST_DAYS = 7

__all__ = ["StaleVersion"]  # what the views catch, re-exported


# --- The schedule -------------------------------------------------------------


def months_after(anchor: date, months: int) -> date:
    """`anchor` moved by whole months, clamped to the end of a shorter month."""
    index = anchor.month - 1 + months
    year, month = anchor.year + index // 12, index % 12 + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def schedule_dates(anchor: date, *, interval_months: int, duration_months: int) -> list[date]:
    """The due dates of a plan: every interval after the anchor, within the duration."""
    if interval_months < 1 or duration_months < 1:
        raise ValidationError(_("The interval and the duration must be at least one month."))
    count = duration_months // interval_months
    return [months_after(anchor, interval_months * n) for n in range(1, count + 1)]


def plan_interval_and_duration(plan: ReintegrationPlan) -> tuple[int, int]:
    """The case's own values where set, else the organisation's settings."""
    defaults = followup_settings_current()
    return (
        plan.interval_months or defaults.interval_months,
        plan.duration_months or defaults.duration_months,
    )


def followup_settings_update(
    *, interval_months: int, duration_months: int, user
) -> FollowUpSettings:
    """Change the organisation's schedule. Plans already scheduled keep their visits."""
    if interval_months < 1 or duration_months < interval_months:
        raise ValidationError(
            _("The interval must be at least one month and no longer than the duration.")
        )
    current = followup_settings_current()
    row, _created = FollowUpSettings.objects.update_or_create(
        pk=1, defaults={"interval_months": interval_months, "duration_months": duration_months}
    )
    audit_record(
        user=user,
        action="followup_settings_update",
        details=audit_diff(
            {
                "interval_months": current.interval_months,
                "duration_months": current.duration_months,
            },
            {"interval_months": interval_months, "duration_months": duration_months},
        ),
    )
    return row


def followups_schedule(*, plan: ReintegrationPlan, user, today: date | None = None) -> int:
    """Bring the plan's future, unmade visits in line with the plan.

    Visits already made, cancelled or past their due date stay as they are, and
    so do visits added by hand. Only the plan's dates after the last kept visit
    (and from today on) are scheduled: a visit made early is not scheduled
    again. Existing future visits are moved in order, so an officer assigned
    to one stays assigned. Returns how many future visits the plan now has.
    """
    if plan.reintegrated_on is None:
        return 0
    today = today or timezone.localdate()
    interval, duration = plan_interval_and_duration(plan)
    dates = schedule_dates(plan.reintegrated_on, interval_months=interval, duration_months=duration)
    planned = FollowUpVisit.objects.select_for_update().filter(
        case=plan.case, sequence__isnull=False
    )
    movable = [v for v in planned.pending().filter(due_on__gte=today).order_by("due_on", "id")]
    movable_ids = {v.pk for v in movable}
    kept_dues = [v.due_on for v in planned if v.pk not in movable_ids and v.due_on]
    after = max([today - timedelta(days=1), *kept_dues])
    wanted = [(n, d) for n, d in enumerate(dates, start=1) if d > after]
    for (sequence, due_on), visit in zip(wanted, movable, strict=False):
        if (visit.due_on, visit.sequence) != (due_on, sequence):
            FollowUpVisit.objects.filter(pk=visit.pk).update(
                due_on=due_on, sequence=sequence, version=F("version") + 1
            )
    surplus = [v.pk for v in movable[len(wanted) :]]
    FollowUpVisit.objects.filter(pk__in=surplus).delete()
    FollowUpVisit.objects.bulk_create(
        FollowUpVisit(
            case=plan.case,
            due_on=due_on,
            sequence=sequence,
            assigned_to=plan.officer,
            created_by=user,
        )
        for sequence, due_on in wanted[len(movable) :]
    )
    audit_record(
        user=user,
        action="followups_schedule",
        case_code=plan.case.code,
        details={
            "interval_months": interval,
            "duration_months": duration,
            "future_visits": len(wanted),
            "removed": len(surplus),
        },
    )
    return len(wanted)


# --- Plan and exit ------------------------------------------------------------


def plan_save(
    *,
    case: Case,
    pathway: str,
    officer: User | None,
    interval_months: int | None,
    duration_months: int | None,
    user,
    version: int | None = None,
    today: date | None = None,
) -> ReintegrationPlan:
    """Create or change a case's plan. A changed schedule moves only future,
    unmade visits (see followups_schedule)."""
    if pathway not in ReintegrationPlan.Pathway.values:
        raise ValidationError({"pathway": _("Choose a pathway.")})
    if interval_months and duration_months and duration_months < interval_months:
        raise ValidationError(
            {"duration_months": _("The duration cannot be shorter than the interval.")}
        )
    with transaction.atomic():
        plan = ReintegrationPlan.objects.select_for_update().filter(case=case).first()
        new = {
            "pathway": pathway,
            "officer_id": officer.pk if officer else None,
            "interval_months": interval_months,
            "duration_months": duration_months,
        }
        if plan is None:
            plan = ReintegrationPlan.objects.create(case=case, created_by=user, **new)
            audit_record(user=user, action="plan_create", case_code=case.code, details=new)
            return plan
        old_schedule = (plan.interval_months, plan.duration_months)
        plan = save_versioned(
            plan,
            version=version,
            changes=new,
            user=user,
            action="plan_update",
            case_code=case.code,
        )
        if old_schedule != (interval_months, duration_months):
            followups_schedule(plan=plan, user=user, today=today)
    return plan


def reintegration_record(
    *,
    case: Case,
    left_on: date,
    user,
    stay_version: int | None = None,
) -> ReintegrationPlan:
    """She leaves her center, reintegrated: the stay ends and the visits are scheduled.

    Every visit of the plan is scheduled, even if the exit is recorded late and
    the first ones are already due (they show as overdue)."""
    with transaction.atomic():
        plan = ReintegrationPlan.objects.select_for_update().filter(case=case).first()
        if plan is None:
            raise ValidationError(_("Save a reintegration plan first."))
        if plan.reintegrated_on is not None:
            raise ValidationError(_("Her reintegration is already recorded."))
        stay = Stay.objects.filter(case=case, left_on__isnull=True).select_related("case").first()
        if stay is None:
            raise ValidationError(_("She is not in a center: there is no stay to end."))
        stay_discharge(
            stay=stay,
            left_on=left_on,
            exit_reason=Stay.ExitReason.REINTEGRATED,
            user=user,
            version=stay_version,
        )
        plan.reintegrated_on = left_on
        plan.version += 1
        plan.save(update_fields=["reintegrated_on", "version", "updated_at"])
        audit_record(
            user=user,
            action="reintegration_record",
            case_code=case.code,
            details={"reintegrated_on": left_on.isoformat(), "pathway": plan.pathway},
        )
        followups_schedule(plan=plan, user=user, today=left_on)
    return plan


# --- Support ------------------------------------------------------------------


def riel_to_usd(amount_riel: Decimal, riel_per_usd: Decimal) -> Decimal:
    """Riel to US dollars at the rate used, rounded half up to the cent."""
    if riel_per_usd is None or riel_per_usd <= 0:
        raise ValidationError({"riel_per_usd": _("Give the rate used: riel per US dollar.")})
    if amount_riel < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    try:
        return (Decimal(amount_riel) / Decimal(riel_per_usd)).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValidationError({"amount": _("This amount cannot be converted.")}) from error


def support_add(
    *,
    case: Case,
    kind: str,
    given_on: date,
    amount: Decimal | None,
    currency: str = "USD",
    riel_per_usd: Decimal | None = None,
    details: str = "",
    employer: str = "",
    institution: str = "",
    user,
) -> ReintegrationSupport:
    """Record support given. Amounts in riel are stored with their rate and in dollars."""
    if kind not in ReintegrationSupport.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of support.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    if kind == ReintegrationSupport.Kind.JOB_PLACEMENT and not employer.strip():
        raise ValidationError({"employer": _("Name the employer.")})
    if kind == ReintegrationSupport.Kind.TUITION and not institution.strip():
        raise ValidationError({"institution": _("Name the institution.")})
    if kind != ReintegrationSupport.Kind.JOB_PLACEMENT and amount is None:
        raise ValidationError({"amount": _("Give the value.")})
    amount_riel = rate = None
    value_usd = None
    if amount is not None:
        if amount < 0:
            raise ValidationError({"amount": _("The amount cannot be negative.")})
        if currency == "KHR":
            amount_riel, rate = amount, riel_per_usd
            value_usd = riel_to_usd(amount, riel_per_usd)
        elif currency == "USD":
            value_usd = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
        else:
            raise ValidationError({"currency": _("Choose US dollars or riel.")})
    support = ReintegrationSupport.objects.create(
        case=case,
        kind=kind,
        given_on=given_on,
        value_usd=value_usd,
        amount_riel=amount_riel,
        riel_per_usd=rate,
        details=details,
        employer=employer.strip(),
        institution=institution.strip(),
        created_by=user,
    )
    audit_record(
        user=user,
        action="support_add",
        case_code=case.code,
        details={"kind": kind, "value_usd": str(value_usd) if value_usd is not None else None},
    )
    return support


# --- Visits -------------------------------------------------------------------


def _visit_update(visit: FollowUpVisit, *, version: int | None, user, action: str, **fields):
    """Write `fields` if nobody saved the visit since `version` was read."""
    return save_versioned(
        visit, version=version, changes=fields, user=user, action=action, case_code=visit.case.code
    )


def _check_assignee(assigned_to: User | None) -> None:
    if (
        assigned_to is not None
        and not assigned_to.groups.filter(name=Role.REINTEGRATION_OFFICER).exists()
    ):
        raise ValidationError({"assigned_to": _("Assign a reintegration officer.")})


def followup_add(*, case: Case, due_on: date, assigned_to: User | None, user) -> FollowUpVisit:
    """A visit added by hand, outside the plan's schedule."""
    _check_assignee(assigned_to)
    visit = FollowUpVisit.objects.create(
        case=case, due_on=due_on, assigned_to=assigned_to, created_by=user
    )
    audit_record(
        user=user,
        action="followup_add",
        case_code=case.code,
        details={"followup": str(visit.uuid), "due_on": due_on.isoformat()},
    )
    return visit


def followup_reschedule(
    *, visit: FollowUpVisit, due_on: date, assigned_to: User | None, user, version: int | None
) -> FollowUpVisit:
    """Move and/or reassign a visit that is still to be made."""
    if visit.status != FollowUpVisit.Status.SCHEDULED:
        raise ValidationError(_("Only a visit still to be made can be rescheduled."))
    _check_assignee(assigned_to)
    return _visit_update(
        visit,
        version=version,
        user=user,
        action="followup_reschedule",
        due_on=due_on,
        assigned_to=assigned_to,
    )


def followup_cancel(
    *, visit: FollowUpVisit, reason: str, user, version: int | None
) -> FollowUpVisit:
    if visit.status != FollowUpVisit.Status.SCHEDULED:
        raise ValidationError(_("Only a visit still to be made can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    return _visit_update(
        visit,
        version=version,
        user=user,
        action="followup_cancel",
        cancelled_on=timezone.localdate(),
        cancel_reason=reason.strip()[:200],
    )


def followup_record(
    *,
    visit: FollowUpVisit,
    visited_on: date,
    visitor_role: str,
    outcome: str,
    housing: int | None,
    income: int | None,
    health: int | None,
    safety: int | None,
    still_operating: bool | None = None,
    income_band: str = "",
    needs_more_help: bool | None = None,
    notes: str = "",
    user,
    version: int | None,
) -> FollowUpVisit:
    """Record a visit as made. "At risk" alerts her social worker and the team lead
    once the record is committed."""
    if visit.status == FollowUpVisit.Status.CANCELLED:
        raise ValidationError(_("This visit was cancelled: add a new visit instead."))
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The visit date cannot be in the future.")})
    if visitor_role not in FollowUpVisit.VisitorRole.values:
        raise ValidationError({"visitor_role": _("Choose who visited.")})
    if outcome not in FollowUpVisit.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    for name, score in (
        ("housing", housing),
        ("income", income),
        ("health", health),
        ("safety", safety),
    ):
        if score is not None and score not in FollowUpVisit.Score.values:
            raise ValidationError({name: _("Choose a score from 1 to 4.")})
    if income_band and income_band not in FollowUpVisit.IncomeBand.values:
        raise ValidationError({"income_band": _("Choose an income band.")})
    with transaction.atomic():
        visit = _visit_update(
            visit,
            version=version,
            user=user,
            action="followup_record",
            visited_on=visited_on,
            visitor_role=visitor_role,
            outcome=outcome,
            housing=housing,
            income=income,
            health=health,
            safety=safety,
            still_operating=still_operating,
            income_band=income_band,
            needs_more_help=needs_more_help,
        )
        # Notes are encrypted: saved through the field, never through update().
        visit.notes = notes
        visit.save(update_fields=["notes"])
        if outcome == FollowUpVisit.Outcome.AT_RISK:
            enqueue_on_commit("reintegration.tasks.followup_at_risk_alert", visit.pk)
    return visit


def _reachable(ids) -> list[User]:
    return list(
        User.objects.filter(pk__in=list(ids), is_active=True).exclude(email="").order_by("pk")
    )


def at_risk_recipients(visit: FollowUpVisit) -> tuple[list[User], str]:
    """Who an at-risk visit alerts, and as what: her assigned social worker;
    else the center managers of her last center; else the lead of the
    officer's reintegration team (any team lead if her team has none); else
    the directors. Only active staff with an email address count, so the
    alert reaches someone unless the whole chain is empty."""
    case = visit.case
    if case.assigned_social_worker_id:
        found = _reachable([case.assigned_social_worker_id])
        if found:
            return found, "social_worker"
    last_stay = Stay.objects.filter(case=case).order_by("-admitted_on", "-id").first()
    if last_stay is not None:
        managers = User.objects.filter(
            staff_profile__centers=last_stay.shelter_id, groups__name=Role.CENTER_MANAGER
        ).values_list("pk", flat=True)
        found = _reachable(managers)
        if found:
            return found, "center_manager"
    plan = ReintegrationPlan.objects.filter(case=visit.case_id).first()
    officer_id = (plan.officer_id if plan else None) or visit.assigned_to_id
    # No officer: no team to choose (filtering on None would pick the teams
    # without members), so every team lead.
    leads = (
        TeamLead.objects.filter(
            team__members__user_id=officer_id, team__kind=Team.Kind.REINTEGRATION
        )
        if officer_id
        else TeamLead.objects.none()
    )
    found = _reachable(leads.values_list("user_id", flat=True)) or _reachable(
        TeamLead.objects.values_list("user_id", flat=True)
    )
    if found:
        return found, "team_lead"
    directors = User.objects.filter(groups__name=Role.DIRECTOR).values_list("pk", flat=True)
    return _reachable(directors), "director"


def followup_at_risk_alert_send(*, visit_id: int) -> int:
    """Email the at-risk alert once (claimed with alerted_at). Ids and codes only."""
    now = timezone.now()
    claimed = FollowUpVisit.objects.filter(
        pk=visit_id, alerted_at__isnull=True, outcome=FollowUpVisit.Outcome.AT_RISK
    ).update(alerted_at=now)
    if not claimed:
        return 0
    visit = FollowUpVisit.objects.select_related("case").get(pk=visit_id)
    recipients, _as = at_risk_recipients(visit)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "reintegration:case", kwargs={"code": visit.case.code}
    )
    try:
        if recipients:
            send_mail(
                subject=_("Follow-up: case %(code)s at risk") % {"code": visit.case.code},
                message=_(
                    "A follow-up visit on %(date)s found the survivor of case %(code)s at risk.\n"
                    "Visit: %(visit)s\nOpen the case: %(link)s\n"
                )
                % {
                    "date": visit.visited_on.isoformat(),
                    "code": visit.case.code,
                    "visit": visit.uuid,
                    "link": link,
                },
                from_email=None,
                recipient_list=[u.email for u in recipients],
            )
    except Exception:
        # Leave it unclaimed so the task's retry sends it.
        FollowUpVisit.objects.filter(pk=visit_id, alerted_at=now).update(alerted_at=None)
        raise
    logger.info("at-risk alert visit=%s recipients=%s", visit_id, [u.pk for u in recipients])
    return len(recipients)


# --- The daily digest ---------------------------------------------------------


def followup_digest_send(*, user: User, today: date) -> bool:
    """Send one officer her digest for `today`, unless it was already sent.

    The DigestSent row is claimed (unique per officer and day) before the
    email goes; if sending fails the claim is released for the retry.
    """
    visits = visits_for_digest(user=user, today=today, days=DIGEST_DAYS)
    if not visits or not user.email:
        return False
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(user=user, sent_on=today)
    except IntegrityError:
        return False
    base = settings.SITE_URL.rstrip("/")
    lines = []
    for heading, group in (
        (_("Overdue"), [v for v in visits if v.due_on < today]),
        (
            _("Due in the next %(days)s days") % {"days": DIGEST_DAYS},
            [v for v in visits if v.due_on >= today],
        ),
    ):
        lines.append(f"{heading}: {len(group)}")
        lines += [
            f"  {v.due_on.isoformat()}  {v.case.code}  {base}"
            + reverse("reintegration:visit_record", kwargs={"uuid": v.uuid})
            for v in group
        ]
    try:
        send_mail(
            subject=_("Your follow-up visits, %(date)s") % {"date": today.isoformat()},
            message="\n".join(lines) + "\n",
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        claim.delete()
        raise
    logger.info("follow-up digest user=%s visits=%s", user.pk, len(visits))
    return True


def followup_digests_send(*, today: date | None = None) -> int:
    """Every officer's digest for today; safe to run twice. Returns emails sent."""
    today = today or timezone.localdate()
    officer_ids = (
        FollowUpVisit.objects.pending()
        .filter(due_on__lte=today + timedelta(days=DIGEST_DAYS), assigned_to__is_active=True)
        .exclude(assigned_to__email="")
        .values_list("assigned_to", flat=True)
        .distinct()
    )
    sent = 0
    for officer in User.objects.filter(pk__in=list(officer_ids)).order_by("pk"):
        sent += followup_digest_send(user=officer, today=today)
    return sent


# --- The personal calendar feed -----------------------------------------------


def calendar_token_regenerate(*, user) -> uuid.UUID:
    """A new secret feed address, good for CALENDAR_FEED_DAYS; the old one
    stops working at once."""
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.calendar_token = uuid.uuid4()
    profile.calendar_token_created = timezone.now()
    profile.save(update_fields=["calendar_token", "calendar_token_created"])
    audit_record(user=user, action="calendar_token_regenerate")
    return profile.calendar_token


def calendar_token_revoke(*, user) -> None:
    StaffProfile.objects.filter(user=user).update(calendar_token=None, calendar_token_created=None)
    audit_record(user=user, action="calendar_token_revoke")


def calendar_feed_audit(*, owner: User, address: str | None, visits: int) -> None:
    """The audit line of one fetch of her feed: from where, and how many
    visits it carried. Never the token, which is the credential."""
    audit_record(user=owner, action="calendar_feed", details={"address": address, "visits": visits})


def calendar_feed_refusal_audit(*, owner: User | None, address: str | None, reason: str) -> None:
    """A refused fetch (unknown, expired or revoked address, or an owner who
    may no longer read the agenda), audited as sign-ins refused while locked
    are: one line per address in REFUSED_AUDIT_SECONDS at most says that they
    go on, so a flood of guessed addresses cannot fill the log."""
    logger.info("calendar feed refused (%s, address %s)", reason, address)
    if cache.add(f"smf-feed-refused:{address}", 1, timeout=REFUSED_AUDIT_SECONDS):
        audit_record(
            user=owner,
            action="calendar_feed_refused",
            details={"address": address, "reason": reason},
        )
