from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Declare this app's sections and case-file panels.
        from . import access, case_panels  # noqa: F401
