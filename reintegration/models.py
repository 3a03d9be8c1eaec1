from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import CaseScopedQuerySet, TimeStamped


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
    value_usd = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    details = models.TextField(blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["given_on", "id"]
        verbose_name_plural = "reintegration support"
        constraints = [
            models.CheckConstraint(
                condition=Q(value_usd__isnull=True) | Q(value_usd__gte=0),
                name="support_value_not_negative",
            ),
        ]


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
    version = models.PositiveIntegerField(default=1)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "visited_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=False) | Q(visited_on__isnull=False),
                name="followup_due_or_visited",
            ),
        ]
        indexes = [models.Index(fields=["visited_on"]), models.Index(fields=["due_on"])]
