# Court references and court names become encrypted fields (issue 12); their
# clear values are encrypted by 0010. The reference stays unique and found by
# value through its keyed hash (unique from 0011, once every row has one).
# Schema and data steps are separate migrations: on PostgreSQL an ALTER TABLE
# after UPDATEs of the same rows in one transaction can fail ("pending trigger
# events"), going forwards or backwards.

from django.db import migrations

import smf.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_case_visibility_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="legalcase",
            options={"ordering": ["-opened_on", "id"]},
        ),
        migrations.AddField(
            model_name="legalcase",
            name="reference_index",
            field=smf.core.fields.ExactIndexField(
                blank=True, editable=False, max_length=64, source="reference"
            ),
        ),
        migrations.AlterField(
            model_name="hearing",
            name="court",
            field=smf.core.fields.EncryptedCharField(max_length=120, verbose_name="court"),
        ),
        migrations.AlterField(
            model_name="legalcase",
            name="reference",
            field=smf.core.fields.EncryptedCharField(max_length=60),
        ),
    ]
