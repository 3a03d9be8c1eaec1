from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStamped


class Disbursement(TimeStamped):
    """Money directed to victim service providers."""

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


class ImportedFile(models.Model):
    """A CSV file already imported, by checksum: the same file is refused twice."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=120)
    rows = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
