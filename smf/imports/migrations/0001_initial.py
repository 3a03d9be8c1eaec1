# The import's models move here from the reports app: their tables stay where
# they are (state only); 0002 renames them.
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reports", "0003_year_rollups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportedFile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sha256", models.CharField(max_length=64, unique=True)),
                        ("filename", models.CharField(max_length=120)),
                        ("rows", models.PositiveIntegerField()),
                        ("imported_at", models.DateTimeField(auto_now_add=True)),
                        ("imported_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"ordering": ["-imported_at"], "db_table": "reports_importedfile"},
                ),
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("archive", models.FileField(upload_to="imports/")),
                        ("status", models.CharField(choices=[("validating", "Checking"), ("invalid", "Has errors"), ("valid", "Ready to import"), ("importing", "Importing"), ("done", "Imported"), ("failed", "Failed")], default="validating", max_length=12)),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("errors", models.JSONField(blank=True, default=list)),
                        ("summary", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("uploaded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"ordering": ["-created_at", "-id"], "db_table": "reports_importjob"},
                ),
            ],
        ),
    ]
