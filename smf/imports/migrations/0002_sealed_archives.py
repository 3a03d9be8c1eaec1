# The tables take this app's names; a job counts its attempts and beats; the
# uploaded archives are sealed (encrypted at rest, smf.core.sealed).
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

from smf.core.sealed import MAGIC, seal_file


def seal_archives(apps, schema_editor):
    """Seal the clear archives that jobs still hold, under the same name."""
    ImportJob = apps.get_model("imports", "ImportJob")
    root = Path(settings.MEDIA_ROOT)
    for job in ImportJob.objects.exclude(archive=""):
        path = root / job.archive
        if not path.is_file():
            job.archive = ""
            job.save(update_fields=["archive"])
            continue
        with path.open("rb") as clear:
            if clear.read(len(MAGIC)) == MAGIC:
                continue
            clear.seek(0)
            sealed = path.with_suffix(".sealed")
            sealed.unlink(missing_ok=True)
            seal_file(clear, sealed)
        path.unlink()
        sealed.rename(path)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("reports", "0004_import_moved_to_smf_imports"),
    ]

    operations = [
        migrations.AlterModelTable(name="importedfile", table=None),
        migrations.AlterModelTable(name="importjob", table=None),
        migrations.AlterField(
            model_name="importjob",
            name="archive",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(choices=[("queued", "Waiting for the worker"), ("validating", "Checking"), ("invalid", "Has errors"), ("valid", "Ready to import"), ("confirmed", "Confirmed, waiting for the worker"), ("importing", "Importing"), ("done", "Imported"), ("failed", "Failed")], default="queued", max_length=12),
        ),
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(seal_archives, migrations.RunPython.noop),
    ]
