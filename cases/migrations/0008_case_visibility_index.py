# The own-cases grant (assigned to her OR registered by her) reads two columns
# at the end of the case's wide row; this index answers the visibility OR of a
# scoped user's case list COUNT by an index-only scan (bench/case_list_bench.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_staff_moves_to_ground"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["id", "assigned_social_worker", "created_by"], name="case_visibility"
            ),
        ),
    ]
