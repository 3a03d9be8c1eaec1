# The Team model moved to the ground app (smf.staff) with its table: only
# Django's state changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0002_followup_schedule"),
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="teamlead",
                    name="team",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lead",
                        to="staff.team",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
