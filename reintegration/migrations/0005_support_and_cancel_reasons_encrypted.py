# Reintegration support details, employers and institutions, and follow-up
# cancel reasons become encrypted fields (issue 12); their clear values are
# encrypted by 0006 (schema and data apart, see cases/migrations/0009).

from django.db import migrations

import smf.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0004_team_center"),
    ]

    operations = [
        migrations.AlterField(
            model_name="followupvisit",
            name="cancel_reason",
            field=smf.core.fields.EncryptedCharField(
                blank=True, max_length=200, verbose_name="reason"
            ),
        ),
        migrations.AlterField(
            model_name="reintegrationsupport",
            name="details",
            field=smf.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="reintegrationsupport",
            name="employer",
            field=smf.core.fields.EncryptedCharField(
                blank=True, max_length=120, verbose_name="employer"
            ),
        ),
        migrations.AlterField(
            model_name="reintegrationsupport",
            name="institution",
            field=smf.core.fields.EncryptedCharField(
                blank=True, max_length=120, verbose_name="institution"
            ),
        ),
    ]
