from django.apps import AppConfig


class ReintegrationConfig(AppConfig):
    name = "reintegration"

    def ready(self) -> None:
        from . import access, case_panels  # noqa: F401 - sections, grants, panels
