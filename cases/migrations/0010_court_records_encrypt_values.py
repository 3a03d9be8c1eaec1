# Encrypts the court names and references left in clear (and hashes each
# reference into reference_index); reversed, gives the clear values back.

from django.db import migrations

from smf.core.fields import decrypt_column, encrypt_plain_column


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_court_records_encrypted"),
    ]

    operations = [
        migrations.RunPython(
            encrypt_plain_column("cases_hearing", "court"),
            decrypt_column("cases_hearing", "court"),
        ),
        migrations.RunPython(
            encrypt_plain_column("cases_legalcase", "reference", index="reference_index"),
            decrypt_column("cases_legalcase", "reference"),
        ),
    ]
