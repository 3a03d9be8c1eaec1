from django.db import migrations

import smf.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_court_records_encrypt_values"),
    ]

    operations = [
        migrations.AlterField(
            model_name="legalcase",
            name="reference_index",
            field=smf.core.fields.ExactIndexField(
                blank=True, editable=False, max_length=64, source="reference", unique=True
            ),
        ),
    ]
