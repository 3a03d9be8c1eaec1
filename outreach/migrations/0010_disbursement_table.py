# The disbursements' table takes this app's name (outreach_disbursement); its
# check constraint and index go with it, under the names they had.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0009_disbursement_moves_here"),
        ("reports", "0005_disbursement_moved_to_outreach"),
    ]

    operations = [
        migrations.AlterModelTable(name="disbursement", table=None),
    ]
