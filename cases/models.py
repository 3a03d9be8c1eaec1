import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from . import access
from .fields import EncryptedTextField


class TimeStamped(models.Model):
    """created_at / updated_at and who created the record, on every table."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class CaseScopedQuerySet(models.QuerySet):
    """For tables that hang off a case: scoped through the case's visibility."""

    def visible_to(self, user):
        return access.visible_case_records(self, user)


class Team(models.Model):
    class Kind(models.TextChoices):
        CENTER = "center", _("Center")
        REINTEGRATION = "reintegration", _("Reintegration")
        OUTREACH = "outreach", _("Outreach")
        CLINIC = "clinic", _("Clinic")
        LEGAL = "legal", _("Legal")
        ADVOCACY = "advocacy", _("Advocacy")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """The centers and teams a staff member belongs to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    centers = models.ManyToManyField("shelters.Shelter", blank=True, related_name="staff_profiles")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    calendar_token = models.UUIDField(null=True, blank=True, unique=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.visible_cases(self, user)

    def with_status(self):
        """Annotate the stay flags that `Case.status` reads, in the same query."""
        from shelters.models import Stay

        return self.annotate(
            has_open_stay=Exists(Stay.objects.filter(case=OuterRef("pk"), left_on__isnull=True)),
            was_reintegrated=Exists(
                Stay.objects.filter(case=OuterRef("pk"), exit_reason=Stay.ExitReason.REINTEGRATED)
            ),
            has_any_stay=Exists(Stay.objects.filter(case=OuterRef("pk"))),
        )

    def open(self):
        from shelters.models import Stay

        return self.filter(Exists(Stay.objects.filter(case=OuterRef("pk"), left_on__isnull=True)))

    def find_by_name(self, *parts: str):
        from .fields import blind_index

        return self.filter(name_index=blind_index(*parts))


class Case(TimeStamped):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    class ReferralSource(models.TextChoices):
        RESCUE = "rescue", _("Rescue")
        OUTREACH = "outreach", _("Outreach")
        CLINIC = "clinic", _("Clinic")
        POLICE = "police", _("Police")
        SELF = "self", _("Self-referral")
        NGO = "ngo", _("NGO")
        HOTLINE = "hotline", _("Hotline")
        FAMILY = "family", _("Family")
        OTHER = "other", _("Other")

    class ExploitationType(models.TextChoices):
        SEXUAL = "sexual", _("Sexual exploitation")
        LABOUR = "labour", _("Labour exploitation")
        DOMESTIC = "domestic", _("Domestic servitude")
        MARRIAGE = "marriage", _("Forced marriage")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        INTAKE = "intake", _("Registered, not admitted")
        IN_CENTER = "in_center", _("In a center")
        REINTEGRATED = "reintegrated", _("Reintegrated")
        CLOSED = "closed", _("Left the center")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("case code"), max_length=32, unique=True)
    given_name = EncryptedTextField(_("given name"), blank=True)
    family_name = EncryptedTextField(_("family name"), blank=True)
    # HMAC of the normalised full name: exact-match search without clear text.
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.FEMALE)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=60, blank=True)
    intake_date = models.DateField(_("intake date"))
    referral_source = models.CharField(
        _("referral source"), max_length=20, choices=ReferralSource.choices, blank=True
    )
    exploitation_type = models.CharField(
        _("exploitation type"), max_length=20, choices=ExploitationType.choices, blank=True
    )
    assigned_social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    # Optimistic locking: a save names the version it read.
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="case_birth_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        # Never a name: str() ends up in logs, admin history and error pages.
        return self.code

    @property
    def status(self) -> str:
        """Derived from stays; `Case.objects.with_status()` saves the queries."""
        flags = (
            getattr(self, "has_open_stay", None),
            getattr(self, "was_reintegrated", None),
            getattr(self, "has_any_stay", None),
        )
        if None in flags:
            stays = list(self.stays.all())
            flags = (
                any(s.left_on is None for s in stays),
                any(s.exit_reason == "reintegrated" for s in stays),
                bool(stays),
            )
        has_open, reintegrated, has_any = flags
        if has_open:
            return self.Status.IN_CENTER
        if reintegrated:
            return self.Status.REINTEGRATED
        if has_any:
            return self.Status.CLOSED
        return self.Status.INTAKE

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


class Consent(TimeStamped):
    class Purpose(models.TextChoices):
        DATA_PROCESSING = "data_processing", _("Data processing")
        PHOTOS = "photos", _("Photos")
        MEDIA = "media", _("Media and advocacy")
        REFERRAL = "referral", _("Sharing with partner organisations")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    # Who wrote the consent down (created_by is whoever created the row, which
    # for an import is the importer, not the social worker who asked her).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]


class LegalCase(TimeStamped):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONVICTION = "conviction", _("Conviction")
        ACQUITTAL = "acquittal", _("Acquittal")
        DISMISSED = "dismissed", _("Dismissed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference = models.CharField(max_length=60, unique=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_cases"
    )
    opened_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    closed_on = models.DateField(null=True, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="legal_case_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Hearing(TimeStamped):
    """One hearing of a legal case; the latest hearing gives the case its stage."""

    class Stage(models.TextChoices):
        INVESTIGATION = "investigation", _("Investigation")
        PRE_TRIAL = "pre_trial", _("Pre-trial")
        TRIAL = "trial", _("Trial")
        VERDICT = "verdict", _("Verdict")
        APPEAL = "appeal", _("Appeal")
        SUPREME_COURT = "supreme_court", _("Supreme Court")

    legal_case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="hearings")
    held_on = models.DateField(_("date"))
    court = models.CharField(_("court"), max_length=120)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        ordering = ["held_on", "id"]


class CaseNoteQuerySet(CaseScopedQuerySet):
    def readable_by(self, user):
        """The notes of visible cases that this user may read (restricted notes)."""
        return access.readable_case_notes(self.visible_to(user), user)


class CaseNote(TimeStamped):
    """One entry of the case file's timeline. The text is encrypted at rest."""

    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("Counselling")
        MEDICAL = "medical", _("Medical")
        LEGAL = "legal", _("Legal")
        FAMILY = "family", _("Family")
        EDUCATION = "education", _("Education")
        OTHER = "other", _("Other")

    class Confidentiality(models.TextChoices):
        NORMAL = "normal", _("Normal")
        RESTRICTED = "restricted", _("Restricted: author and center managers only")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    written_on = models.DateField(_("date"))
    text = EncryptedTextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-written_on", "-id"]

    def __str__(self) -> str:
        return f"note {self.pk} of case {self.case_id}"


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # pragma: no cover - guard
        raise PermissionError("The audit log cannot be changed.")

    def delete(self):  # pragma: no cover - guard
        raise PermissionError("The audit log cannot be deleted.")


class AuditLog(models.Model):
    """Who viewed, changed or exported what, and who was refused.

    Append-only: no staff role has change or delete permission, the admin is
    read-only, the QuerySet refuses update/delete, and on PostgreSQL a trigger
    refuses UPDATE and DELETE at the database.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    case_code = models.CharField(max_length=32, blank=True, db_index=True)
    # Field names with old and new values; names and contact details appear
    # only as "changed", never in clear.
    details = models.JSONField(default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.case_code}"
