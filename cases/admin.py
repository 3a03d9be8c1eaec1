"""Admin for the cases app. Case lists never show names; the audit log is read-only."""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from .models import AuditLog, Case, CaseNote, Consent, Hearing, LegalCase, StaffProfile, Team
from .services import audit_record


class CaseAuditedAdmin(admin.ModelAdmin):
    """Opening, changing or deleting a record of a case in the admin is written to
    the audit log like the same act in the case file (ids and field names only).

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


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user",)
    filter_horizontal = ("centers", "teams")
    search_fields = ("user__username",)


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "given_on", "withdrawn_on", "recorded_by")
    raw_id_fields = ("recorded_by",)


@admin.register(Case)
class CaseAdmin(CaseAuditedAdmin):
    case_code_of = staticmethod(lambda obj: obj.code)
    # Names are never listed nor searchable here (encrypted; and lists get
    # shoulder-surfed): search by case code only.
    list_display = ("code", "intake_date", "sex", "birth_year", "exploitation_type", "version")
    list_filter = ("exploitation_type", "referral_source", "sex")
    search_fields = ("code",)
    # Names and contact details are changed in the case file, where the change
    # is version-checked, audited and the blind index kept in step.
    exclude = ("given_name", "family_name", "phone", "address", "name_index")
    readonly_fields = ("uuid", "version", "created_at", "updated_at", "created_by")
    raw_id_fields = ("assigned_social_worker",)
    date_hierarchy = "intake_date"
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(CaseAuditedAdmin):
    list_display = ("case", "purpose", "given_on", "withdrawn_on")
    list_filter = ("purpose",)
    search_fields = ("case__code",)
    raw_id_fields = ("case", "recorded_by", "withdrawn_recorded_by")


class HearingInline(admin.TabularInline):
    model = Hearing
    extra = 0
    fields = ("held_on", "court", "stage", "note")


@admin.register(LegalCase)
class LegalCaseAdmin(CaseAuditedAdmin):
    list_display = ("reference", "case", "opened_on", "outcome", "closed_on")
    list_filter = ("outcome",)
    search_fields = ("reference", "case__code")
    raw_id_fields = ("case",)
    inlines = [HearingInline]


@admin.register(Hearing)
class HearingAdmin(CaseAuditedAdmin):
    case_code_of = staticmethod(
        lambda obj: obj.legal_case.case.code if obj.legal_case.case_id else ""
    )
    list_display = ("legal_case", "held_on", "court", "stage")
    list_filter = ("stage",)
    search_fields = ("legal_case__reference",)
    raw_id_fields = ("legal_case",)


@admin.register(CaseNote)
class CaseNoteAdmin(CaseAuditedAdmin):
    # The text is neither listed nor shown: a restricted note is for its author
    # and the center managers (cases.access.readable_case_notes), and the admin
    # is for finding a note, not reading it. Notes are written in the case file.
    exclude = ("text",)

    def has_add_permission(self, request):
        return False

    list_display = ("case", "written_on", "kind", "confidentiality", "author")
    list_filter = ("kind", "confidentiality")
    search_fields = ("case__code",)
    raw_id_fields = ("case", "author")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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
