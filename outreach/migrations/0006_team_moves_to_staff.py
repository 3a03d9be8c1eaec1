# The Team model moved to the ground app (smf.staff) with its table: only
# Django's state changes, the foreign keys point at the same table.

import django.db.models.deletion
from django.db import migrations, models


def _team(related_name):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="staff.team",
        verbose_name="team",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0005_drop_figure_covering_indexes"),
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name="team", field=_team(related_name))
                for model, related_name in (
                    ("clinicvisit", "clinic_visits"),
                    ("event", "events"),
                    ("meeting", "meetings"),
                    ("outreachvisit", "outreach_visits"),
                    ("advocacyactivity", "advocacy_activities"),
                )
            ],
            database_operations=[],
        ),
    ]
