# Who works at which center is now the centers app's own relation
# (Shelter.staff, read from a profile as profile.centers). It is the same table
# as the cases app's StaffProfile.centers was: only Django's state changes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0003_encrypt_free_text"),
        ("staff", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="shelter",
                    name="staff",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="cases_staffprofile_centers",
                        related_name="centers",
                        to="staff.staffprofile",
                        verbose_name="staff",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
