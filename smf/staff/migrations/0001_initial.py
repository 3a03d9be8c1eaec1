"""Staff profiles, teams and the audit log move from the cases app to the ground
app. Their tables keep their names (cases_team, cases_staffprofile,
cases_staffprofile_teams, cases_auditlog, and its append-only trigger), so only
Django's state moves: no row is copied and no table is rebuilt. The content
types follow, so the groups' permissions and the admin's history carry over.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("team", "staffprofile", "auditlog")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        old = ContentType.objects.filter(app_label="cases", model=model).first()
        if old is None:
            continue
        # A content type made for the new label before this ran would clash.
        ContentType.objects.filter(app_label="staff", model=model).delete()
        old.app_label = "staff"
        old.save(update_fields=["app_label"])


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="staff", model__in=MOVED).update(app_label="cases")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0006_encrypt_free_text"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Team",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.SlugField(max_length=40, unique=True)),
                        ("name", models.CharField(max_length=120)),
                        ("kind", models.CharField(choices=[("center", "Center"), ("reintegration", "Reintegration"), ("outreach", "Outreach"), ("clinic", "Clinic"), ("legal", "Legal"), ("advocacy", "Advocacy")], max_length=20)),
                    ],
                    options={"db_table": "cases_team"},
                ),
                migrations.CreateModel(
                    name="StaffProfile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("calendar_token", models.UUIDField(blank=True, null=True, unique=True)),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="staff_profile", to=settings.AUTH_USER_MODEL)),
                        ("teams", models.ManyToManyField(blank=True, db_table="cases_staffprofile_teams", related_name="members", to="staff.team")),
                    ],
                    options={"db_table": "cases_staffprofile"},
                ),
                migrations.CreateModel(
                    name="AuditLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("action", models.CharField(max_length=40)),
                        ("case_code", models.CharField(blank=True, db_index=True, max_length=32)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "cases_auditlog",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["user", "-at"], name="cases_audit_user_id_f2f734_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
