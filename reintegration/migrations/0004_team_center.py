import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0003_team_moves_to_staff"),
        ("shelters", "0004_center_staff"),
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TeamCenter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("center", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reintegration_teams", to="shelters.shelter")),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="served_centers", to="staff.team")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("team", "center"), name="team_center_once")],
            },
        ),
    ]
