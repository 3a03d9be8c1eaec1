"""A calendar feed token carries the time it was made, and expires.

Tokens already out there get the time of this migration: they keep working for
CALENDAR_FEED_DAYS after the upgrade, then stop like any other (never "no
date, so never expires"). A check constraint keeps every token dated.
"""

from django.db import migrations, models
from django.utils import timezone


def date_existing_tokens(apps, schema_editor):
    StaffProfile = apps.get_model("staff", "StaffProfile")
    StaffProfile.objects.using(schema_editor.connection.alias).filter(
        calendar_token__isnull=False
    ).update(calendar_token_created=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_auditlog_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffprofile",
            name="calendar_token_created",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(date_existing_tokens, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="staffprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(calendar_token__isnull=True)
                | models.Q(calendar_token_created__isnull=False),
                name="cases_staffprofile_calendar_token_dated",
            ),
        ),
    ]
