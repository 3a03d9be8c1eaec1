# Clinic STD results and treatments become encrypted fields (issue 12); their
# clear values are encrypted by 0008 (schema and data apart, see
# cases/migrations/0009).

from django.db import migrations

import smf.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_team_moves_to_staff"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clinicvisit",
            name="std_result",
            field=smf.core.fields.EncryptedCharField(
                blank=True,
                choices=[
                    ("pending", "Pending"),
                    ("negative", "Negative"),
                    ("positive_treated", "Positive, treated here"),
                    ("positive_referred", "Positive, referred for treatment"),
                ],
                max_length=20,
                verbose_name="STD test result",
            ),
        ),
        migrations.AlterField(
            model_name="clinicvisit",
            name="treatment",
            field=smf.core.fields.EncryptedCharField(
                blank=True,
                help_text="Medicines or care given. Never write a name.",
                max_length=200,
                verbose_name="treatment given",
            ),
        ),
    ]
