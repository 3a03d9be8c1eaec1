from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "reintegration"

    def ready(self) -> None:
        # Sections, grants and panels; the tasks, registered by name (smf.core.queue).
        from . import access, case_panels, tasks  # noqa: F401
