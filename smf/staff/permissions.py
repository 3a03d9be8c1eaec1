"""Admin permissions from a user's roles only.

Django gives a superuser every permission; here a superuser gets no more than
an administrator: what her roles' sections declare (smf.staff.services
.role_permissions). Every admin page of the product mixes this in.
"""

from __future__ import annotations

from .roles import roles_of
from .services import role_permissions


def role_has_perm(user, app_label: str, codename: str) -> bool:
    """Whether one of the user's roles carries this permission, superuser or not."""
    return any((app_label, codename) in role_permissions(role) for role in roles_of(user))


class RolePermissions:
    """For ModelAdmin and InlineModelAdmin classes."""

    def _role_perm(self, request, action: str) -> bool:
        opts = self.opts
        return role_has_perm(request.user, opts.app_label, f"{action}_{opts.model_name}")

    def has_view_permission(self, request, obj=None):
        return self._role_perm(request, "view") or self._role_perm(request, "change")

    def has_add_permission(self, request, *args):
        return self._role_perm(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._role_perm(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._role_perm(request, "delete")

    def has_module_permission(self, request):
        return self.has_view_permission(request)
