import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        db_table = "cases_team"

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """The teams a staff member belongs to (the centers she works at are the
    centers app's own relation: `profile.centers`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    teams = models.ManyToManyField(
        Team, blank=True, related_name="members", db_table="cases_staffprofile_teams"
    )
    calendar_token = models.UUIDField(null=True, blank=True, unique=True)
    # When the token was made: the calendar feed refuses it CALENDAR_FEED_DAYS
    # later. A token always has one (the constraint below).
    calendar_token_created = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cases_staffprofile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(calendar_token__isnull=True)
                | models.Q(calendar_token_created__isnull=False),
                name="cases_staffprofile_calendar_token_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


def _unchained(objs) -> bool:
    return any(not obj.hash or obj.pk is None for obj in objs)


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # pragma: no cover - guard
        raise PermissionError("The audit log cannot be changed.")

    def delete(self):  # pragma: no cover - guard
        raise PermissionError("The audit log cannot be deleted.")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if _unchained(objs):
            raise PermissionError(
                "Audit lines are written through smf.staff.audit (audit_record, "
                "audit_record_many), which chains them."
            )
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, batch_size=None):  # pragma: no cover - guard
        raise PermissionError("The audit log cannot be changed.")


class AuditLog(models.Model):
    """Who viewed, changed or exported what, and who was refused.

    Append-only: no staff role has change or delete permission, the admin is
    read-only, the QuerySet refuses update/delete, and on PostgreSQL a trigger
    refuses UPDATE and DELETE at the database, and the application's database
    role may only SELECT and INSERT (`manage.py db_roles`).

    Tamper-evident: each line carries the hash of the line before it and its
    own HMAC (smf/staff/chain.py), written by smf.staff.audit, the only writer;
    `manage.py audit_verify` checks the chain in id order.
    """

    # Set by the writer before the hash is computed (not auto_now_add, which
    # would overwrite it at insert time, after the hash).
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    case_code = models.CharField(max_length=32, blank=True, db_index=True)
    # Field names with old and new values; names and contact details appear
    # only as "changed", never in clear.
    details = models.JSONField(default=dict, blank=True)
    # The chain: the previous line's hash (smf.staff.chain.GENESIS for the
    # first line) and this line's HMAC over its fields and prev_hash.
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        db_table = "cases_auditlog"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="cases_audit_user_id_f2f734_idx")]
        constraints = [
            # A line has one successor at most: two writers can never both
            # chain onto the same line, whatever the locking.
            models.UniqueConstraint(fields=["prev_hash"], name="cases_auditlog_one_successor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.case_code}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log cannot be changed.")
        if _unchained([self]):
            raise PermissionError(
                "Audit lines are written through smf.staff.audit.audit_record, which chains them."
            )
        super().save(*args, **kwargs)


class StaffSession(models.Model):
    """One login of a staff member, as her "Your sessions" page lists it.

    Written by smf/staff/sessions.py only: at log-in, when the session lifetime
    middleware renews the time of the last request (once a minute), and gone
    at log-out, at a timeout, when she or an administrator ends it, and by the
    hourly sweep once its session has expired. The session key is the login's
    credential: it is never shown, put in a URL or audited (the page addresses
    a login by `uuid`, the audit by `id`). Of the browser only a short summary
    is kept, never the raw User-Agent.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions"
    )
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    address = models.GenericIPAddressField(null=True, blank=True)
    # "Chrome", "Android": proper names, shown as "Chrome on Android".
    browser = models.CharField(max_length=40, blank=True)
    platform = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"
