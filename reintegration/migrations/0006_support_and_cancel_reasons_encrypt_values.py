# Encrypts the support details, employers, institutions and cancel reasons
# left in clear; reversed, gives the clear values back.

from django.db import migrations

from smf.core.fields import decrypt_column, encrypt_plain_column

ENCRYPTED = (
    ("reintegration_followupvisit", "cancel_reason"),
    ("reintegration_reintegrationsupport", "details"),
    ("reintegration_reintegrationsupport", "employer"),
    ("reintegration_reintegrationsupport", "institution"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("reintegration", "0005_support_and_cancel_reasons_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_plain_column(table, column), decrypt_column(table, column))
        for table, column in ENCRYPTED
    ]
