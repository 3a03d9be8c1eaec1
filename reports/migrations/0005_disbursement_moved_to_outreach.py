# Disbursements moved to the outreach app (its 0009 takes the table as it is).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_import_moved_to_smf_imports"),
        ("outreach", "0009_disbursement_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Disbursement")],
        ),
    ]
