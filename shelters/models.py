"""Centers, the stays of survivors in them, and center life.

Who works at which center is this app's relation (`Shelter.staff`, read from a
staff profile as `profile.centers`). Which centers a user may open is
`Shelter.objects.visible_to(user)`: her own, every one for directors and
administrators, and what other apps grant (the reintegration team the centers
it serves) through `center_visibility_grant`.
"""

import uuid
from collections.abc import Callable

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import CaseScopedQuerySet
from smf.core.fields import EncryptedCharField, EncryptedTextField
from smf.core.models import TimeStamped
from smf.staff.models import StaffProfile
from smf.staff.roles import roles_of, sees_every_case

# grant(user, roles) -> a Q over Shelter, or None.
_CENTER_GRANTS: list[Callable] = []


def center_visibility_grant(grant: Callable) -> Callable:
    """Register a grant of center visibility (a decorator, used once per app)."""
    if grant not in _CENTER_GRANTS:
        _CENTER_GRANTS.append(grant)
    return grant


def center_ids_of(user) -> frozenset[int]:
    """The centers a staff member works at, cached on the user for the request."""
    cached = getattr(user, "_smf_center_ids", None)
    if cached is None:
        cached = frozenset()
        if user is not None and user.is_authenticated:
            cached = frozenset(
                Shelter.objects.filter(staff__user=user).values_list("id", flat=True)
            )
        user._smf_center_ids = cached
    return cached


class ShelterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The centers whose pages a user may open."""
        roles = roles_of(user)
        if not roles:
            return self.none()
        if sees_every_case(user):
            return self
        q = Q(pk__in=list(center_ids_of(user)))
        for grant in _CENTER_GRANTS:
            part = grant(user, roles)
            if part is not None:
                q |= part
        return self.filter(q)


class Shelter(TimeStamped):
    """A recovery and vocational skills center."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    province = models.CharField(max_length=60, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # The same table as the cases app's StaffProfile.centers had (migration 0004).
    staff = models.ManyToManyField(
        StaffProfile,
        blank=True,
        related_name="centers",
        db_table="cases_staffprofile_centers",
        verbose_name=_("staff"),
    )

    objects = ShelterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Residence(models.TextChoices):
    """Where a case stands, read from her stays (shelters.selectors.with_residence)."""

    INTAKE = "intake", _("Registered, not admitted")
    IN_CENTER = "in_center", _("In a center")
    REINTEGRATED = "reintegrated", _("Reintegrated")
    CLOSED = "closed", _("Left the center")


class Stay(TimeStamped):
    class ExitReason(models.TextChoices):
        REINTEGRATED = "reintegrated", _("Reintegrated")
        TRANSFERRED = "transferred", _("Transferred to another center")
        FAMILY = "family", _("Returned to family")
        LEFT = "left", _("Left the center")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="stays")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="stays")
    admitted_on = models.DateField(_("admitted on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["admitted_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("admitted_on")),
                name="stay_left_after_admitted",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, exit_reason="")
                | Q(left_on__isnull=False) & ~Q(exit_reason=""),
                name="stay_exit_reason_iff_left",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(left_on__isnull=True), name="stay_one_open_per_case"
            ),
        ]
        indexes = [
            models.Index(fields=["admitted_on", "left_on"]),
            # The grants' `case IN (SELECT case_id FROM stays WHERE shelter_id
            # IN (...))`: an index-only scan instead of a bitmap heap scan.
            models.Index(fields=["shelter", "case"], name="stay_shelter_case"),
        ]

    def __str__(self) -> str:
        return f"stay {self.pk} of case {self.case_id}"


class EducationRecord(TimeStamped):
    class Course(models.TextChoices):
        BASIC = "basic", _("Basic education")
        LITERACY = "literacy", _("Literacy")
        MATH = "math", _("Mathematics")
        ENGLISH = "english", _("English")
        COMPUTER = "computer", _("Computer skills")
        STATE_SCHOOL = "state_school", _("State school")
        OTHER = "other", _("Other")

    # Addressed by uuid in URLs, never by the sequential id; `version` for optimistic locking.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="education")
    course = models.CharField(max_length=20, choices=Course.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="education_ended_after_started",
            ),
        ]


class VocationalTraining(TimeStamped):
    class Trade(models.TextChoices):
        SEWING = "sewing", _("Sewing")
        WEAVING = "weaving", _("Weaving")
        SALON = "salon", _("Salon skills and management")
        COOKING = "cooking", _("Cooking")
        AGRICULTURE = "agriculture", _("Agriculture")
        COMPUTER = "computer", _("Computer")
        OTHER = "other", _("Other")

    # Addressed by uuid in URLs, never by the sequential id; `version` for optimistic locking.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="trainings")
    trade = models.CharField(max_length=20, choices=Trade.choices)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    certified_on = models.DateField(null=True, blank=True)
    certificate_number = EncryptedCharField(max_length=60, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="training_completed_after_started",
            ),
            models.CheckConstraint(
                condition=Q(certified_on__isnull=True) | Q(certified_on__gte=F("started_on")),
                name="training_certified_after_started",
            ),
        ]


class Internship(TimeStamped):
    # Addressed by uuid in URLs, never by the sequential id; `version` for optimistic locking.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="internships")
    employer = EncryptedCharField(max_length=120)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="internship_ended_after_started",
            ),
        ]


class GroupActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Activities of the centers the user may open."""
        return self.filter(center__in=Shelter.objects.visible_to(user))


class GroupActivity(TimeStamped):
    """A group activity or study tour of a center, with the residents who took part."""

    class Kind(models.TextChoices):
        STUDY_TOUR = "study_tour", _("Study tour")
        RECREATION = "recreation", _("Recreation")
        TRAINING = "training", _("Training")
        CELEBRATION = "celebration", _("Celebration")
        OTHER = "other", _("Other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    center = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="activities", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    held_on = models.DateField(_("date"))
    notes = EncryptedTextField(_("notes"), blank=True)
    participants = models.ManyToManyField(
        "cases.Case", blank=True, related_name="group_activities", verbose_name=_("participants")
    )
    version = models.PositiveIntegerField(default=1)

    objects = GroupActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["center", "-held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"
