"""Admin pieces shared by every app: audited, scoped, section-bound pages.

The admin follows the same rules as the product's pages:
- rows: a model with `visible_to(user)` lists only what the user may see;
- permissions: the Django permissions of a role's group follow from the
  sections it reads or writes (smf.staff.services.roles_sync), and a
  superuser is held to the administrator's, not given every permission;
- audit: opening, changing or deleting a record of a case is written to the
  audit log like the same act in the case file (ids and field names only).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote

from smf.staff.admin_lists import DateDrillDownMixin
from smf.staff.audit import audit_record
from smf.staff.permissions import RolePermissions


class SectionInline(RolePermissions, admin.TabularInline):
    extra = 0


class SectionAdmin(DateDrillDownMixin, RolePermissions, admin.ModelAdmin):
    """Permissions from the user's roles only, and rows through the model's
    `visible_to(user)`."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset


class AuditedAdmin(SectionAdmin):
    """Opening, changing or deleting a record in the admin is audited.

    `case_code_of` gives the case code of a record (the case's own for a Case).
    """

    case_code_of = staticmethod(lambda obj: obj.case.code if obj.case_id else "")

    def _audit(self, request, obj, action: str, **details) -> None:
        audit_record(
            user=request.user,
            action=action,
            case_code=self.case_code_of(obj),
            details={"model": obj._meta.label_lower, "id": obj.pk, **details},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                self._audit(request, obj, "admin_view")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(
            request, obj, "admin_change" if change else "admin_add", fields=form.changed_data
        )

    def delete_model(self, request, obj):
        self._audit(request, obj, "admin_delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "admin_delete")
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(AuditedAdmin):
    """Lists and details only: records written through the product's pages,
    where every change is version-checked and audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceRecordAdmin(SectionAdmin):
    """Records written only by services (reports, imports): the admin looks, never edits."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
