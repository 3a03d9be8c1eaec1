from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import services

        # Roles are Django groups whose permissions must exist first. Django
        # creates each app's permissions in that app's post_migrate, in the
        # order of INSTALLED_APPS, so the sync listens to every app's signal:
        # the last one sees every permission.
        post_migrate.connect(
            services.roles_sync_after_migrate, dispatch_uid="cases.roles_sync_after_migrate"
        )
