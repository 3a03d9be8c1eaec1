from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import access
from cases.models import TimeStamped


class OutreachQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.visible_outreach_records(self, user)


class Venue(TimeStamped):
    class Kind(models.TextChoices):
        BROTHEL = "brothel", _("Brothel")
        KARAOKE = "karaoke", _("Karaoke bar")
        CLUB = "club", _("Club")
        MASSAGE = "massage", _("Massage parlour")
        BEER_GARDEN = "beer_garden", _("Beer garden")
        STREET = "street", _("Street")
        OTHER = "other", _("Other")

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    province = models.CharField(max_length=60, blank=True)
    district = models.CharField(max_length=60, blank=True)
    access_notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutreachVisit(TimeStamped):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(db_index=True)
    contacts = models.PositiveIntegerField(default=0)
    clients_educated = models.PositiveIntegerField(default=0)
    condoms = models.PositiveIntegerField(default=0)
    soaps = models.PositiveIntegerField(default=0)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]


class ClinicVisit(TimeStamped):
    """A visit to the free clinic, under an anonymous client code: never a name."""

    class Service(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        TREATMENT = "treatment", _("Treatment")
        COUNSELLING = "counselling", _("Counselling")

    client_code = models.CharField(max_length=32, db_index=True)
    visited_on = models.DateField(db_index=True)
    service = models.CharField(max_length=20, choices=Service.choices)
    std_test = models.BooleanField(default=False)
    enrolled_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinic_referrals",
    )

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]


class Meeting(TimeStamped):
    class Counterpart(models.TextChoices):
        GOVERNMENT = "government", _("Government ministry")
        NGO = "ngo", _("NGO / INGO")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other")

    held_on = models.DateField(db_index=True)
    counterpart = models.CharField(max_length=20, choices=Counterpart.choices)
    title = models.CharField(max_length=200)
    agreement_reached = models.BooleanField(default=False)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]


class Event(TimeStamped):
    held_on = models.DateField(db_index=True)
    title = models.CharField(max_length=200)
    participants = models.PositiveIntegerField(default=0)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(participants__gte=0), name="event_participants_ok")
        ]
