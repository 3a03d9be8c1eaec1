# Encrypts the clinic results and treatments left in clear; reversed, gives
# the clear values back.

from django.db import migrations

from smf.core.fields import decrypt_column, encrypt_plain_column


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0007_clinic_results_encrypted"),
    ]

    operations = [
        migrations.RunPython(
            encrypt_plain_column("outreach_clinicvisit", column),
            decrypt_column("outreach_clinicvisit", column),
        )
        for column in ("std_result", "treatment")
    ]
