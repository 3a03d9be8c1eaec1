import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImpactReport(models.Model):
    """One requested version of the annual impact report.

    The figures are frozen here when the PDF is rendered, so a report downloaded
    years later shows what was published even after records change.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Language(models.TextChoices):
        EN = "en", _("English")
        KM = "km", _("Khmer")

    class Variant(models.TextChoices):
        INTERNAL = "internal", _("Internal (every number)")
        PUBLIC = "public", _("Public (small numbers suppressed)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    variant = models.CharField(max_length=10, choices=Variant.choices, default=Variant.INTERNAL)
    version = models.PositiveIntegerField(default=1)
    requested_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_note = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    figures = models.JSONField(null=True, blank=True)
    file = models.FileField(upload_to="reports/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "language", "variant", "version"],
                name="impact_report_one_version_number",
            )
        ]

    def __str__(self) -> str:
        return f"impact report {self.year} {self.language} {self.variant} v{self.version}"


class VenueYear(models.Model):
    """A venue's outreach visits in one calendar year, summed.

    Kept by the database itself (`reports.rollups`): triggers on the outreach
    visits add and subtract every row written, by any path (forms, import,
    admin, a bulk update). `venue_id` has no foreign key so that the triggers
    alone own the table.
    """

    year = models.SmallIntegerField()
    venue_id = models.BigIntegerField()
    visits = models.BigIntegerField(default=0)
    contacts = models.BigIntegerField(default=0)
    clients_educated = models.BigIntegerField(default=0)
    condoms = models.BigIntegerField(default=0)
    soaps = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "venue_id"], name="venue_year_once"),
        ]


class OutreachYear(models.Model):
    """A year's outreach visits summed, with the count of venues visited.

    Kept by the same triggers as `VenueYear`: the yearly figures read one row.
    """

    year = models.SmallIntegerField(unique=True)
    venues = models.BigIntegerField(default=0)
    visits = models.BigIntegerField(default=0)
    contacts = models.BigIntegerField(default=0)
    clients_educated = models.BigIntegerField(default=0)
    condoms = models.BigIntegerField(default=0)
    soaps = models.BigIntegerField(default=0)


class ClinicClientYear(models.Model):
    """A clinic client code's visits in one calendar year, summed (see `VenueYear`)."""

    year = models.SmallIntegerField()
    client_code = models.CharField(max_length=32)
    visits = models.BigIntegerField(default=0)
    std_tests = models.BigIntegerField(default=0)
    referred_visits = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "client_code"], name="clinic_client_year_once"),
        ]


class ClinicYear(models.Model):
    """A year's clinic visits summed, with the count of distinct clients and of
    clients referred to a center (see `OutreachYear`)."""

    year = models.SmallIntegerField(unique=True)
    clients = models.BigIntegerField(default=0)
    referred_clients = models.BigIntegerField(default=0)
    visits = models.BigIntegerField(default=0)
    std_tests = models.BigIntegerField(default=0)
    referred_visits = models.BigIntegerField(default=0)


class PublishedMembers(models.Model):
    """What one figure of a finished report version was made of (record ids,
    or the codes of distinct people and venues, each with its share of the
    value), frozen with the figures: the Reports page tells from it which
    records entered or left the figure since (reports.changes). Ids and codes
    only, compressed (reports.changes.members_pack)."""

    report = models.ForeignKey(ImpactReport, on_delete=models.CASCADE, related_name="members")
    key = models.CharField(max_length=64)
    count = models.PositiveIntegerField()
    packed = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="published_members_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.key} ({self.count})"
