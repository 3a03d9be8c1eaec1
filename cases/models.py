"""The survivor's case and what belongs to it at the ground of case work:
consents, case notes, legal cases and hearings.

Which cases a user sees is `Case.objects.visible_to(user)`. The rule is the OR
of grants: this app grants a case to the social worker assigned to it or who
registered it and, with a legal case, to the legal team; the apps built on top
grant more over their own relations (the staff of a center her stays were at,
the reintegration team serving that center) by registering a grant with
`case_visibility_grant` when they load. Each grant is a plain `id IN (subquery)`
(or a column test), never a correlated EXISTS inside an OR.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smf.core.fields import EncryptedCharField, EncryptedTextField, ExactIndexField, blind_index
from smf.core.models import TimeStamped
from smf.staff import sections
from smf.staff.roles import Role, roles_of, sees_every_case

# grant(user, roles) -> a Q over Case, or None when it grants nothing to this user.
CaseGrant = Callable[[object, frozenset], "Q | None"]
_CASE_GRANTS: list[CaseGrant] = []


def case_visibility_grant(grant: CaseGrant) -> CaseGrant:
    """Register a grant of case visibility (a decorator, used once per app)."""
    if grant not in _CASE_GRANTS:
        _CASE_GRANTS.append(grant)
    return grant


def case_visibility_q(user) -> Q | None:
    """The filter of the cases a user sees: None for every case, Q(pk__in=[])
    for none."""
    roles = roles_of(user)
    if not roles:
        return Q(pk__in=[])
    if sees_every_case(user):
        return None
    parts = [q for q in (grant(user, roles) for grant in _CASE_GRANTS) if q is not None]
    if not parts:
        return Q(pk__in=[])
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


class CaseScopedQuerySet(models.QuerySet):
    """For tables that hang off a case: scoped through the case's visibility."""

    case_field = "case"

    def visible_to(self, user):
        q = case_visibility_q(user)
        if q is None:
            return self
        visible = Case.objects.filter(q).values("pk")
        return self.filter(**{f"{self.case_field}__in": visible})


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = case_visibility_q(user)
        return self if q is None else self.filter(q)

    def find_by_name(self, *parts: str):
        return self.filter(name_index=blind_index(*parts))


@case_visibility_grant
def _grant_own_cases(user, roles) -> Q | None:
    """Center staff see the cases assigned to them or that they registered (a
    case between intake and admission has no stay yet); the legal team sees
    every case that has a legal case."""
    q = None
    if roles & {Role.SOCIAL_WORKER, Role.CENTER_MANAGER}:
        q = Q(assigned_social_worker=user) | Q(created_by=user)
    if Role.LEGAL_OFFICER in roles:
        legal = Q(pk__in=LegalCase.objects.filter(case__isnull=False).values("case_id"))
        q = legal if q is None else q | legal
    return q


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

    # Blind index columns and the encrypted fields each indexes (reencrypt_fields).
    BLIND_INDEXES = {"name_index": ("given_name", "family_name")}

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="case_birth_year_plausible",
            ),
        ]
        # The own-cases grant tests two columns that sit at the end of a wide
        # row (after the encrypted names, phone and address): without this
        # index, a scoped user's COUNT deforms every case row to reach them
        # (30-60 ms at 26,000 cases on the 2-core machine); with it, the
        # visibility OR is answered by an index-only scan (bench/README.md).
        indexes = [
            models.Index(
                fields=["id", "assigned_social_worker", "created_by"], name="case_visibility"
            )
        ]

    def __str__(self) -> str:
        # Never a name: str() ends up in logs, admin history and error pages.
        return self.code

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

    # Encrypted; found and kept unique through its keyed hash: `reference=...`
    # and `reference__in=[...]` filter on reference_index.
    reference = EncryptedCharField(max_length=60)
    reference_index = ExactIndexField(source="reference", unique=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_cases"
    )
    opened_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    closed_on = models.DateField(null=True, blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "id"]
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


class HearingQuerySet(CaseScopedQuerySet):
    case_field = "legal_case__case"


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
    court = EncryptedCharField(_("court"), max_length=120)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    note = EncryptedTextField(_("note"), blank=True)

    objects = HearingQuerySet.as_manager()

    class Meta:
        ordering = ["held_on", "id"]


class CaseNoteQuerySet(CaseScopedQuerySet):
    def readable_by(self, user):
        """The notes of visible cases that this user may read: only the kinds
        her role reads (`notes.<kind>` sections), and a restricted note only if
        she wrote it or is a center manager (administrators and directors
        included: the rule protects counselling confidences)."""
        kinds = [kind for kind in CaseNote.Kind.values if sections.can_read(user, f"notes.{kind}")]
        qs = self.visible_to(user).filter(kind__in=kinds)
        if Role.CENTER_MANAGER in roles_of(user):
            return qs
        return qs.filter(Q(confidentiality=CaseNote.Confidentiality.NORMAL) | Q(author=user))


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
