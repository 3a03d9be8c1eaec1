# The center grants' `case IN (SELECT case_id FROM stays WHERE shelter_id IN
# (...))`: an index-only scan instead of a bitmap heap scan of the stays.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shelters", "0004_center_staff"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="stay",
            index=models.Index(fields=["shelter", "case"], name="stay_shelter_case"),
        ),
    ]
