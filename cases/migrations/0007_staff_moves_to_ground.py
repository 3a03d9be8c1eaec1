# Staff profiles, teams and the audit log now belong to the ground app
# (smf.staff, migration 0001), which took over their tables; the centers a
# staff member works at became the centers app's relation (shelters 0004).
# Only Django's state changes here: no table is dropped.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_encrypt_free_text"),
        ("staff", "0001_initial"),
        ("shelters", "0004_center_staff"),
        ("outreach", "0006_team_moves_to_staff"),
        ("reintegration", "0003_team_moves_to_staff"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="staffprofile", name="centers"),
                migrations.RemoveField(model_name="staffprofile", name="teams"),
                migrations.DeleteModel(name="StaffProfile"),
                migrations.DeleteModel(name="Team"),
                migrations.DeleteModel(name="AuditLog"),
            ],
            database_operations=[],
        ),
    ]
