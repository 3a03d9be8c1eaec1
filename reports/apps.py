from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # The reports and import sections; the tasks, registered by name (smf.core.queue).
        from . import access, tasks  # noqa: F401

        post_migrate.connect(
            _rollups_after_migrate, sender=self, dispatch_uid="reports.rollups_after_migrate"
        )


def _rollups_after_migrate(sender, using: str = "default", **kwargs) -> None:
    # A migration may have rebuilt a visit table (SQLite drops its triggers
    # then): put the triggers back and recount what they keep.
    from django.db import connections

    from . import rollups

    if connections[using].vendor in ("postgresql", "sqlite"):
        rollups.install(using=using)
