from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "smf.staff"
    # The tables were created under the cases app, which held them first; they
    # keep their names (see migrations/0001_initial.py).
    label = "staff"
    verbose_name = "Staff and audit"

    def ready(self) -> None:
        from django.contrib.auth.models import User
        from django.db.models.signals import m2m_changed, post_migrate

        from . import access, services  # noqa: F401 - access declares the sections
        from .models import StaffProfile

        # Roles are Django groups whose permissions must exist first. Django
        # creates each app's permissions in that app's post_migrate, in the
        # order of INSTALLED_APPS, so the sync listens to every app's signal:
        # the last one sees every permission.
        post_migrate.connect(
            services.roles_sync_after_migrate, dispatch_uid="staff.roles_sync_after_migrate"
        )
        # A role granted or removed anywhere (the admin, the shell, a service)
        # goes into the audit log: the group membership table is the one truth.
        m2m_changed.connect(
            services.role_change_audit,
            sender=User.groups.through,
            dispatch_uid="staff.role_change_audit",
        )
        m2m_changed.connect(
            services.team_change_audit,
            sender=StaffProfile.teams.through,
            dispatch_uid="staff.team_change_audit",
        )
