# Internship employers and certificate numbers become encrypted fields
# (issue 12); their clear values are encrypted by 0007 (schema and data apart,
# see cases/migrations/0009).

from django.db import migrations

import smf.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0005_stay_shelter_case_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="internship",
            name="employer",
            field=smf.core.fields.EncryptedCharField(max_length=120),
        ),
        migrations.AlterField(
            model_name="vocationaltraining",
            name="certificate_number",
            field=smf.core.fields.EncryptedCharField(blank=True, max_length=60),
        ),
    ]
