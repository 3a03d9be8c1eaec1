from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import services

        # Roles are Django groups whose permissions must exist first; keeping
        # them in step after every migrate means a fresh database has them.
        post_migrate.connect(services.roles_sync_after_migrate, sender=self)
