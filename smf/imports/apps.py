from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ImportsConfig(AppConfig):
    """The bulk import of historical records: the mechanism, knowing no domain.

    Each app declares the CSV files it owns in its `import_files` module
    (`smf.imports.spec.declare`); this app reads, checks and writes them.
    """

    name = "smf.imports"
    label = "imports"
    verbose_name = "Imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the import's tasks by name)

        autodiscover_modules("import_files")
