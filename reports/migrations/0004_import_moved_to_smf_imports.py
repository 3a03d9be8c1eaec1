# The import's models moved to smf.imports (their tables with them, renamed there).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_year_rollups"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportJob"),
                migrations.DeleteModel(name="ImportedFile"),
            ],
        ),
    ]
