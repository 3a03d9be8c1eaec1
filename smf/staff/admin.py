"""Admin of staff accounts, teams and the (read-only) audit log.

Role changes made here are written to the audit log by the membership signal
(services.role_change_audit); an administrator cannot change her own roles,
superuser or staff status (another administrator must), so she cannot open
herself a door, such as a center manager's reading of restricted notes.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied

from .audit import audit_record
from .models import AuditLog, StaffProfile, Team
from .permissions import RolePermissions

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
    exclude = ("calendar_token",)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(RolePermissions, GroupAdmin):
    """The role groups: read here, their permissions set by roles_sync only."""


@admin.register(User)
class StaffUserAdmin(RolePermissions, UserAdmin):
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


@admin.register(AuditLog)
class AuditLogAdmin(RolePermissions, admin.ModelAdmin):
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
