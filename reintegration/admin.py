from django.contrib import admin

from .models import FollowUpSettings, TeamLead


@admin.register(FollowUpSettings)
class FollowUpSettingsAdmin(admin.ModelAdmin):
    """The organisation's follow-up schedule (one row)."""

    list_display = ("interval_months", "duration_months", "updated_at")

    def has_add_permission(self, request):
        return not FollowUpSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: validated and written to the audit log.
        from .services import followup_settings_update

        followup_settings_update(
            interval_months=obj.interval_months,
            duration_months=obj.duration_months,
            user=request.user,
        )


@admin.register(TeamLead)
class TeamLeadAdmin(admin.ModelAdmin):
    """Who leads each reintegration team (told when a visit finds someone at risk)."""

    list_display = ("team", "user")
    raw_id_fields = ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team":
            from cases.models import Team

            kwargs["queryset"] = Team.objects.filter(kind=Team.Kind.REINTEGRATION)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
