from django.contrib import admin

from smf.core.admin import SectionAdmin
from smf.staff.models import Team

from .models import FollowUpSettings, TeamCenter, TeamLead
from .services import followup_settings_update


@admin.register(FollowUpSettings)
class FollowUpSettingsAdmin(SectionAdmin):
    """The organisation's follow-up schedule (one row)."""

    list_display = ("interval_months", "duration_months", "updated_at")

    def has_add_permission(self, request):
        return not FollowUpSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: validated and written to the audit log.
        followup_settings_update(
            interval_months=obj.interval_months,
            duration_months=obj.duration_months,
            user=request.user,
        )


class ReintegrationTeamsOnly(SectionAdmin):
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team":
            kwargs["queryset"] = Team.objects.filter(kind=Team.Kind.REINTEGRATION)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TeamLead)
class TeamLeadAdmin(ReintegrationTeamsOnly):
    """Who leads each reintegration team (told when a visit finds someone at risk
    and neither her social worker nor her center's manager can be)."""

    list_display = ("team", "user")
    raw_id_fields = ("user",)


@admin.register(TeamCenter)
class TeamCenterAdmin(ReintegrationTeamsOnly):
    """Which centers each reintegration team serves: its officers see those
    centers' residents and former residents."""

    list_display = ("team", "center")
    list_filter = ("team", "center")
