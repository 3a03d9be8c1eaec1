from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smf.core.fields import EncryptedCharField
from smf.core.models import TimeStamped
from smf.staff import sections


class OutreachQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Outreach records are for the outreach section's readers (outreach.access)."""
        return self if sections.can_read(user, "outreach") else self.none()


def team_field(*, related_name: str) -> models.ForeignKey:
    """The team that did the work: what the lists filter and the totals group by."""
    return models.ForeignKey(
        "staff.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=_("team"),
    )


class Venue(TimeStamped):
    class Kind(models.TextChoices):
        BROTHEL = "brothel", _("Brothel")
        KARAOKE = "karaoke", _("Karaoke bar")
        CLUB = "club", _("Club")
        MASSAGE = "massage", _("Massage parlour")
        BEER_GARDEN = "beer_garden", _("Beer garden")
        STREET = "street", _("Street")
        OTHER = "other", _("Other")

    code = models.CharField(_("venue code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.CharField(_("province"), max_length=60, blank=True)
    district = models.CharField(_("district"), max_length=60, blank=True)
    access_notes = models.TextField(
        _("access and safety notes"),
        blank=True,
        help_text=_("How to get in, when to go, who to ask for, what to watch out for."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Untick when closed."))

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.TextChoices):
    """What the team talked about during an outreach visit."""

    HYGIENE = "hygiene", _("Hygiene")
    STI_HIV = "sti_hiv", _("STD/STI and HIV/AIDS")
    PREGNANCY = "pregnancy", _("Unwanted pregnancy")
    DRUGS = "drugs", _("Drug abuse")
    RIGHTS = "rights", _("Basic human rights")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")


class OutreachVisit(TimeStamped):
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="visits", verbose_name=_("venue")
    )
    visited_on = models.DateField(_("date"), db_index=True)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    clients_educated = models.PositiveIntegerField(_("clients educated"), default=0)
    # condoms and soaps stay columns: the yearly figures read them directly.
    condoms = models.PositiveIntegerField(_("condoms"), default=0)
    soaps = models.PositiveIntegerField(_("soaps"), default=0)
    team = team_field(related_name="outreach_visits")
    team_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="outreach_visits",
        verbose_name=_("team members"),
    )
    # A list of Topic values; a short fixed list needs no table of its own.
    topics = models.JSONField(_("topics covered"), default=list, blank=True)

    objects = OutreachQuerySet.as_manager()

    def get_topics_display(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics]

    class Meta:
        ordering = ["-visited_on", "-id"]


class SupplyItem(TimeStamped):
    """Something the outreach team hands out. Condoms and soaps are items too
    (codes `condoms` and `soaps`), counted from the visit's own columns."""

    CONDOMS = "condoms"
    SOAPS = "soaps"
    ON_THE_VISIT = (CONDOMS, SOAPS)

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. pieces"))
    low_stock_threshold = models.PositiveIntegerField(
        _("low stock warning at"),
        default=0,
        help_text=_("Warn when the balance falls to this number or below."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplyReceipt(TimeStamped):
    """Stock that came in: a delivery or purchase of one item."""

    item = models.ForeignKey(
        SupplyItem, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("item")
    )
    received_on = models.DateField(_("received on"), db_index=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    source = models.CharField(_("from"), max_length=120, blank=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_receipt_positive")
        ]


class VisitSupply(models.Model):
    """Other items handed out on an outreach visit (not condoms or soaps)."""

    visit = models.ForeignKey(OutreachVisit, on_delete=models.CASCADE, related_name="supplies")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="visit_supplies")
    quantity = models.PositiveIntegerField()

    objects = OutreachQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="visit_supply_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="visit_supply_positive"),
        ]


class ClinicClient(models.Model):
    """An anonymous clinic client: only a code the product generated, never a name."""

    code = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutreachQuerySet.as_manager()

    def __str__(self) -> str:
        return self.code


class ClinicVisit(TimeStamped):
    """A visit to the free clinic, under an anonymous client code: never a name."""

    class Service(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        TREATMENT = "treatment", _("Treatment")
        COUNSELLING = "counselling", _("Counselling")

    class StdResult(models.TextChoices):
        PENDING = "pending", _("Pending")
        NEGATIVE = "negative", _("Negative")
        POSITIVE_TREATED = "positive_treated", _("Positive, treated here")
        POSITIVE_REFERRED = "positive_referred", _("Positive, referred for treatment")

    client_code = models.CharField(_("client code"), max_length=32, db_index=True)
    visited_on = models.DateField(_("date"), db_index=True)
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    std_test = models.BooleanField(_("STD test done"), default=False)
    enrolled_case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinic_referrals",
    )
    # A result and a treatment are health data: encrypted, so never counted in SQL.
    std_result = EncryptedCharField(
        _("STD test result"), max_length=20, choices=StdResult.choices, blank=True
    )
    treatment = EncryptedCharField(
        _("treatment given"),
        max_length=200,
        blank=True,
        help_text=_("Medicines or care given. Never write a name."),
    )
    counselling = models.BooleanField(_("counselling given"), default=False)
    decided_to_leave = models.BooleanField(
        _("decided to leave and referred to a center"), default=False
    )
    referred_to = models.ForeignKey(
        "shelters.Shelter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_referrals",
        verbose_name=_("referred to center"),
    )
    team = team_field(related_name="clinic_visits")

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]


class Meeting(TimeStamped):
    class Counterpart(models.TextChoices):
        GOVERNMENT = "government", _("Government ministry")
        NGO = "ngo", _("NGO / INGO")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other")

    held_on = models.DateField(_("date"), db_index=True)
    counterpart = models.CharField(_("counterpart"), max_length=20, choices=Counterpart.choices)
    title = models.CharField(_("title"), max_length=200)
    agreement_reached = models.BooleanField(_("agreement reached"), default=False)
    counterpart_name = models.CharField(_("ministry or partner"), max_length=200, blank=True)
    agreement = models.TextField(_("what was agreed"), blank=True)
    team = team_field(related_name="meetings")

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]


class Event(TimeStamped):
    held_on = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    team = team_field(related_name="events")

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(participants__gte=0), name="event_participants_ok")
        ]


class AdvocacyActivity(TimeStamped):
    """A police training or a media campaign, with the survivor advocates who
    took part. Kept apart from Event so `advocacy.event_participants` keeps
    counting community events only."""

    class Kind(models.TextChoices):
        POLICE_TRAINING = "police_training", _("Police training")
        MEDIA_CAMPAIGN = "media_campaign", _("Media campaign")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"), db_index=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    advocates = models.ManyToManyField(
        "cases.Case",
        blank=True,
        related_name="advocacy_activities",
        verbose_name=_("survivor advocates"),
    )
    team = team_field(related_name="advocacy_activities")

    objects = OutreachQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("held_on")),
                name="advocacy_activity_ends_after_start",
            )
        ]


class Disbursement(TimeStamped):
    """Money directed to victim service providers.

    Recorded here with the organisation's other work outside the centers, but
    managed by the reports section (reports/access.py): hence no
    `OutreachQuerySet`, whose `visible_to` answers for the outreach section.
    """

    class Region(models.TextChoices):
        SOUTHEAST_ASIA = "southeast_asia", _("Southeast Asia")
        US = "us", _("United States")
        HAITI = "haiti", _("Haiti")
        OTHER = "other", _("Other")

    given_on = models.DateField(db_index=True)
    recipient = models.CharField(max_length=200)
    region = models.CharField(max_length=20, choices=Region.choices)
    amount_usd = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_usd__gte=0), name="disbursement_not_negative")
        ]
