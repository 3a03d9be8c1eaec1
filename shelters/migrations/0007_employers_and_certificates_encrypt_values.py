# Encrypts the internship employers and certificate numbers left in clear;
# reversed, gives the clear values back.

from django.db import migrations

from smf.core.fields import decrypt_column, encrypt_plain_column

ENCRYPTED = (
    ("shelters_internship", "employer"),
    ("shelters_vocationaltraining", "certificate_number"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0006_employers_and_certificates_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_plain_column(table, column), decrypt_column(table, column))
        for table, column in ENCRYPTED
    ]
