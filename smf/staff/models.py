from django.conf import settings
from django.db import models
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

    class Meta:
        db_table = "cases_staffprofile"

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


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
        db_table = "cases_auditlog"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="cases_audit_user_id_f2f734_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.case_code}"
