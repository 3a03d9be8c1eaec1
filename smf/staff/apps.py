from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "smf.staff"
    # The tables were created under the cases app, which held them first; they
    # keep their names (see migrations/0001_initial.py).
    label = "staff"
    verbose_name = "Staff and audit"

    def ready(self) -> None:
        from django.contrib.auth.models import User
        from django.db.models.signals import m2m_changed, post_migrate, post_save

        from . import access, services, sessions  # noqa: F401 - access declares the sections
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
        # A deactivated account's logins end at once, however it was deactivated.
        post_save.connect(sessions.user_saved, sender=User, dispatch_uid="staff.sessions_end")
        self._connect_signin_audit()

    def _connect_signin_audit(self) -> None:
        """Log-ins, failed log-ins, lockouts and log-outs go into the audit log
        (smf/staff/signin.py), with the address and never a password."""
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals

        from . import sessions, signin

        auth_signals.user_logged_in.connect(sessions.on_logged_in, dispatch_uid="staff.login")
        auth_signals.user_logged_out.connect(sessions.on_logged_out, dispatch_uid="staff.logout")
        auth_signals.user_login_failed.connect(
            signin.on_login_failed, dispatch_uid="staff.login_failed"
        )
        user_locked_out.connect(signin.on_locked_out, dispatch_uid="staff.login_lockout")
        self._connect_second_factor_audit()

    def _connect_second_factor_audit(self) -> None:
        """An authenticator app enrolled, by its owner or for the demo, is audited
        (smf/staff/twofactor.py; the other second-factor events are audited
        where they happen)."""
        from django.db.models.signals import post_save
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from . import twofactor

        post_save.connect(
            twofactor.device_saved, sender=TOTPDevice, dispatch_uid="staff.second_factor_enrolled"
        )
