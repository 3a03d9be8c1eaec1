"""Admin of staff accounts, teams and the (read-only) audit log.

Role changes made here are written to the audit log by the membership signal
(services.role_change_audit); an administrator cannot change her own roles,
superuser or staff status (another administrator must), so she cannot open
herself a door, such as a center manager's reading of restricted notes.

Sign-in lockouts (django-axes' access attempts) are read and deleted here by
administrators: deleting a username's or an address's attempts unlocks it,
and is audited (login_unlock). A password set here is audited (password_set)
and ends that staff member's sessions at once (but the one in use, when an
administrator sets her own).

A lost phone: the staff list's action "Reset two-factor sign-in" deletes the
selected users' authenticator apps and recovery codes and ends their sessions
(audited, second_factor_reset); they enrol again at their next sign-in.
django-otp's own device admin is not offered: it would show the apps' keys.
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_lists import DateDrillDownMixin
from .audit import audit_record
from .models import AuditLog, StaffProfile, Team
from .permissions import RolePermissions
from .sessions import session_rekeyed, sessions_end_all
from .signin import client_address, forget_locks
from .twofactor import second_factor_reset

# Fields of a user whose change opens or closes doors: audited, and never
# changed by the user on her own account.
GUARDED_USER_FIELDS = ("is_superuser", "is_staff", "is_active", "groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(RolePermissions, admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)


@admin.register(StaffProfile)
class StaffProfileAdmin(RolePermissions, admin.ModelAdmin):
    list_display = ("user",)
    filter_horizontal = ("teams",)
    search_fields = ("user__username",)
    exclude = ("calendar_token", "calendar_token_created")


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(Group)
class RoleGroupAdmin(RolePermissions, GroupAdmin):
    """The role groups: read here, their permissions set by roles_sync only."""


@admin.register(User)
class StaffUserAdmin(RolePermissions, UserAdmin):
    actions = ("reset_second_factor",)

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=("change",))
    def reset_second_factor(self, request, queryset):
        users = [user for user in queryset if user.pk != request.user.pk]
        for user in users:
            second_factor_reset(user=user, by=request.user, request=request)
        if len(users) < queryset.count():
            self.message_user(
                request, _("Your own two-factor sign-in is reset by another administrator.")
            )
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d staff member: "
                "they set it up again at their next sign-in.",
                "Two-factor sign-in reset for %(count)d staff members: "
                "they set it up again at their next sign-in.",
                len(users),
            )
            % {"count": len(users)},
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += [f for f in GUARDED_USER_FIELDS if f not in readonly]
        return readonly

    def save_model(self, request, obj, form, change):
        changed = [f for f in GUARDED_USER_FIELDS if f in form.changed_data]
        if change and obj.pk == request.user.pk and changed:
            raise PermissionDenied("Another administrator must change your own access.")
        super().save_model(request, obj, form, change)
        flags = [f for f in changed if f not in ("groups", "user_permissions")]
        if flags:
            audit_record(
                user=request.user,
                action="access_change",
                details={"staff": obj.pk, "changes": {f: getattr(obj, f) for f in flags}},
            )

    def user_change_password(self, request, id, form_url=""):
        def stored():
            return User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()

        before = stored() if request.method == "POST" else None
        old_key = request.session.session_key
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and stored() != before:
            # Django's update_session_auth_hash() cycled the key of the session
            # she is using, whoever's password she set: her row follows it.
            new_key = request.session.session_key
            session_rekeyed(old_key=old_key, new_key=new_key)
            staff = User.objects.get(pk=unquote(id))
            audit_record(
                user=request.user,
                action="password_set",
                details={"staff": staff.pk, "address": client_address(request)},
            )
            # The member's logins end now, not at their next request (when
            # Django's check of the password hash would refuse them); when she
            # set her own password, the session she is using goes on.
            sessions_end_all(
                staff,
                keep_key=new_key if staff.pk == request.user.pk else None,
                reason="password_set",
                by=request.user,
            )
        return response


@admin.register(AccessAttempt)
class AccessAttemptAdmin(DateDrillDownMixin, RolePermissions, AxesAccessAttemptAdmin):
    """Failed sign-ins that count towards a lock. An administrator unlocks a
    username or an address by deleting its attempts; each deletion is audited.
    Nobody adds or edits one (the roles give view and delete only)."""

    # Axes' "clean up expired attempts" action needs a request axes has seen;
    # the admin's own "delete selected" remains.
    actions = ()

    def delete_model(self, request, obj):
        self._audit_unlock(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._audit_unlock(request, list(queryset))
        super().delete_queryset(request, queryset)

    def _audit_unlock(self, request, attempts) -> None:
        for attempt in attempts:
            forget_locks(attempt.username, attempt.ip_address)
            audit_record(
                user=request.user,
                action="login_unlock",
                details={
                    "username": attempt.username or "",
                    "locked_address": attempt.ip_address,
                    "failures": attempt.failures_since_start,
                    "address": client_address(request),
                },
            )


@admin.register(AuditLog)
class AuditLogAdmin(DateDrillDownMixin, RolePermissions, admin.ModelAdmin):
    list_display = ("at", "user", "action", "case_code")
    list_filter = ("action",)
    search_fields = ("case_code", "user__username", "action")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
