"""Abstract model pieces shared by every app."""

from django.conf import settings
from django.db import models
from django.db.models import DateField, F, Func


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


class DaysAfter(Func):
    """The date `days` days after (or before, if negative) a date column.

    On PostgreSQL `date + integer` is a date, compared as one; Django's
    `F() + timedelta` makes a timestamp of every row first, which cost a
    quarter of the follow-up figures' time at 100 x the demo volume. SQLite
    keeps dates as ISO text, which its `date()` shifts.
    """

    output_field = DateField()

    def __init__(self, column: str, days: int):
        self.days = days
        super().__init__(F(column))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + %s)", [*params, self.days]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, %s)", [*params, f"{self.days:+d} days"]
