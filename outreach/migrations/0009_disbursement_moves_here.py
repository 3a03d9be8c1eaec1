# The funding disbursements move here from the reports app: the table stays
# where it is (state only), 0010 renames it. Their content type moves with
# them, so the permissions on it (and the admin's history) follow.
import django.db.models.deletion
from django.conf import settings
from django.db import IntegrityError, migrations, models, transaction


def content_type_move(from_app, to_app):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        try:
            with transaction.atomic(using=db):
                ContentType.objects.using(db).filter(
                    app_label=from_app, model="disbursement"
                ).update(app_label=to_app)
        except IntegrityError:
            # A content type already stands under the new name (made by a
            # post_migrate in between): leave both, as Django's own rename of a
            # content type does; remove_stale_contenttypes deals with the old.
            pass
        ContentType.objects.clear_cache()

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0008_clinic_results_encrypt_values"),
        ("reports", "0004_import_moved_to_smf_imports"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Disbursement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("given_on", models.DateField(db_index=True)),
                        ("recipient", models.CharField(max_length=200)),
                        ("region", models.CharField(choices=[("southeast_asia", "Southeast Asia"), ("us", "United States"), ("haiti", "Haiti"), ("other", "Other")], max_length=20)),
                        ("amount_usd", models.DecimalField(decimal_places=2, max_digits=14)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-given_on", "-id"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("amount_usd__gte", 0)), name="disbursement_not_negative")],
                        "db_table": "reports_disbursement",
                    },
                ),
            ],
        ),
        migrations.RunPython(
            content_type_move("reports", "outreach"), content_type_move("outreach", "reports")
        ),
    ]
