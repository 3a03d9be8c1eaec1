import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import CaseScopedQuerySet
from smf.core.fields import EncryptedCharField, EncryptedTextField
from smf.core.models import DaysAfter, TimeStamped

# The schedule's defaults, used until an administrator saves FollowUpSettings.
DEFAULT_INTERVAL_MONTHS = 3
DEFAULT_DURATION_MONTHS = 24


class FollowUpSettings(models.Model):
    """The organisation's follow-up schedule: one row, edited by administrators.

    A case's ReintegrationPlan may override both values.
    """

    interval_months = models.PositiveSmallIntegerField(
        _("months between visits"),
        default=DEFAULT_INTERVAL_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    duration_months = models.PositiveSmallIntegerField(
        _("months of follow-up"),
        default=DEFAULT_DURATION_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "follow-up schedule settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_months__gte=1) & Q(duration_months__gte=1),
                name="followup_settings_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"every {self.interval_months} months for {self.duration_months} months"


class TeamLead(models.Model):
    """The lead of a reintegration team: told when a visit finds someone at risk.

    A case's team lead is the lead of each reintegration team its plan's
    officer belongs to (StaffProfile.teams); when the officer is in no team
    with a lead, every team lead is told, so an alert never goes nowhere.
    """

    team = models.OneToOneField("staff.Team", on_delete=models.CASCADE, related_name="lead")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="led_teams"
    )

    def __str__(self) -> str:
        return f"lead of team {self.team_id}: user {self.user_id}"


class ReintegrationPlan(TimeStamped):
    """How a survivor leaves her center, who follows her, and her visit schedule."""

    class Pathway(models.TextChoices):
        OWN_BUSINESS = "own_business", _("Own business")
        EMPLOYMENT = "employment", _("Employment")
        EDUCATION = "education", _("Education")
        FAMILY = "family", _("Return to family")

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="reintegration_plan"
    )
    pathway = models.CharField(_("pathway"), max_length=20, choices=Pathway.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reintegration_plans",
        verbose_name=_("reintegration officer"),
    )
    # Set when the exit from the center is recorded: the anchor of the schedule.
    reintegrated_on = models.DateField(_("reintegrated on"), null=True, blank=True)
    # Empty: the organisation's FollowUpSettings apply.
    interval_months = models.PositiveSmallIntegerField(
        _("months between visits"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    duration_months = models.PositiveSmallIntegerField(
        _("months of follow-up"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    version = models.PositiveIntegerField(default=1)

    objects = CaseScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"plan of case {self.case_id}"


class ReintegrationSupport(TimeStamped):
    class Kind(models.TextChoices):
        STARTUP_KIT = "startup_kit", _("Start-up kit")
        MICROGRANT = "microgrant", _("Microgrant")
        JOB_PLACEMENT = "job_placement", _("Job placement")
        TUITION = "tuition", _("University tuition")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="reintegration_support"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    given_on = models.DateField()
    # Always in US dollars with cents; for tuition, the amount per term.
    value_usd = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # When the value was given in riel: the amount and the rate (riel per dollar) used.
    amount_riel = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    riel_per_usd = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    # Start-up kit contents, or other details; where she works or studies.
    details = EncryptedTextField(blank=True)
    employer = EncryptedCharField(_("employer"), max_length=120, blank=True)
    institution = EncryptedCharField(_("institution"), max_length=120, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["given_on", "id"]
        verbose_name_plural = "reintegration support"
        constraints = [
            models.CheckConstraint(
                condition=Q(value_usd__isnull=True) | Q(value_usd__gte=0),
                name="support_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_riel__isnull=True)
                | Q(riel_per_usd__gt=0, amount_riel__gte=0, value_usd__isnull=False),
                name="support_riel_has_rate",
            ),
        ]


# A visit counts as made on time within this many days of its due date.
ON_TIME_DAYS = 14


def on_time_q() -> Q:
    """A visit made within ON_TIME_DAYS of its due date, early or late."""
    return Q(
        due_on__isnull=False,
        visited_on__isnull=False,
        visited_on__gte=DaysAfter("due_on", -ON_TIME_DAYS),
        visited_on__lte=DaysAfter("due_on", ON_TIME_DAYS),
    )


class TeamCenter(models.Model):
    """A center a reintegration team serves: its officers see the center's
    residents and former residents, so that a reintegration is planned before
    the survivor leaves (reintegration.access)."""

    team = models.ForeignKey("staff.Team", on_delete=models.CASCADE, related_name="served_centers")
    center = models.ForeignKey(
        "shelters.Shelter", on_delete=models.CASCADE, related_name="reintegration_teams"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "center"], name="team_center_once"),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} serves center {self.center_id}"


class FollowUpVisitQuerySet(CaseScopedQuerySet):
    def pending(self):
        """Scheduled: neither made nor cancelled."""
        return self.filter(visited_on__isnull=True, cancelled_on__isnull=True)

    def overdue(self, today):
        return self.pending().filter(due_on__lt=today)


class FollowUpVisit(TimeStamped):
    class VisitorRole(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker")
        MEDICAL = "medical", _("Medical professional")
        TRAINER = "trainer", _("Trainer")
        LEGAL = "legal", _("Legal expert")
        PSYCHOLOGIST = "psychologist", _("Psychologist")

    class Outcome(models.TextChoices):
        STABLE = "stable", _("Stable")
        NEEDS_SUPPORT = "needs_support", _("Needs support")
        AT_RISK = "at_risk", _("At risk")
        LOST_CONTACT = "lost_contact", _("Lost contact")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MADE = "made", _("Made")
        CANCELLED = "cancelled", _("Cancelled")

    class Score(models.IntegerChoices):
        POOR = 1, _("1 - poor")
        FAIR = 2, _("2 - fair")
        GOOD = 3, _("3 - good")
        VERY_GOOD = 4, _("4 - very good")

    class IncomeBand(models.TextChoices):
        NONE = "none", _("No income")
        UNDER_100 = "under_100", _("Under $100 a month")
        FROM_100 = "100_199", _("$100 to $199 a month")
        FROM_200 = "200_399", _("$200 to $399 a month")
        FROM_400 = "400_plus", _("$400 or more a month")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="followups")
    due_on = models.DateField(null=True, blank=True)
    visited_on = models.DateField(null=True, blank=True)
    visitor_role = models.CharField(max_length=20, choices=VisitorRole.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followup_visits",
    )
    # The status is derived (see `status`): made = visited_on set, cancelled =
    # cancelled_on set, else scheduled. Nothing can disagree with the dates.
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    # The n-th visit of the case's plan; empty for a visit added by hand.
    # Changing the plan moves only the plan's future, unmade visits.
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    cancel_reason = EncryptedCharField(_("reason"), max_length=200, blank=True)
    housing = models.PositiveSmallIntegerField(_("housing"), choices=Score.choices, null=True)
    income = models.PositiveSmallIntegerField(_("income"), choices=Score.choices, null=True)
    health = models.PositiveSmallIntegerField(_("health"), choices=Score.choices, null=True)
    safety = models.PositiveSmallIntegerField(_("safety"), choices=Score.choices, null=True)
    # Her business or job.
    still_operating = models.BooleanField(_("business or job still going"), null=True)
    income_band = models.CharField(
        _("income band"), max_length=20, choices=IncomeBand.choices, blank=True
    )
    needs_more_help = models.BooleanField(_("needs more help"), null=True)
    # Notes may name people: encrypted like names.
    notes = EncryptedTextField(_("notes"), blank=True)
    # Set when the at-risk alert was sent: the alert task claims it once.
    alerted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = FollowUpVisitQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "visited_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=False) | Q(visited_on__isnull=False),
                name="followup_due_or_visited",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True)
                | Q(visited_on__isnull=True) & ~Q(cancel_reason=""),
                name="followup_cancelled_has_reason_not_made",
            ),
            models.CheckConstraint(
                condition=(Q(housing__isnull=True) | Q(housing__gte=1, housing__lte=4))
                & (Q(income__isnull=True) | Q(income__gte=1, income__lte=4))
                & (Q(health__isnull=True) | Q(health__gte=1, health__lte=4))
                & (Q(safety__isnull=True) | Q(safety__gte=1, safety__lte=4)),
                name="followup_scores_on_scale",
            ),
        ]
        indexes = [models.Index(fields=["visited_on"]), models.Index(fields=["due_on"])]

    def __str__(self) -> str:
        return f"follow-up visit {self.uuid}"

    @property
    def status(self) -> str:
        if self.visited_on:
            return self.Status.MADE
        if self.cancelled_on:
            return self.Status.CANCELLED
        return self.Status.SCHEDULED

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def scores(self) -> list[tuple[str, int | None]]:
        return [
            (_("Housing"), self.housing),
            (_("Income"), self.income),
            (_("Health"), self.health),
            (_("Safety"), self.safety),
        ]


class DigestSent(models.Model):
    """One row per officer per day: the daily digest claims it before sending."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followup_digests"
    )
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="digest_once_per_day"),
        ]
