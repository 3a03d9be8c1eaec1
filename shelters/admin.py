"""Admin for centers. Stays and center-life records are read here and written
through the product's pages, where every change is version-checked and audited."""

from django.contrib import admin

from smf.core.admin import ReadOnlyAdmin, SectionAdmin

from .models import EducationRecord, GroupActivity, Internship, Shelter, Stay, VocationalTraining


@admin.register(Shelter)
class ShelterAdmin(SectionAdmin):
    """A center and the staff who work there (which opens its residents' case
    files to them: every change is audited)."""

    list_display = ("code", "name", "province", "capacity")
    search_fields = ("code", "name")
    filter_horizontal = ("staff",)


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ("case", "shelter", "admitted_on", "left_on", "exit_reason", "version")
    list_filter = ("shelter", "exit_reason")
    search_fields = ("case__code",)
    date_hierarchy = "admitted_on"


@admin.register(EducationRecord)
class EducationRecordAdmin(ReadOnlyAdmin):
    list_display = ("case", "course", "started_on", "ended_on")
    list_filter = ("course",)
    search_fields = ("case__code",)


@admin.register(VocationalTraining)
class VocationalTrainingAdmin(ReadOnlyAdmin):
    list_display = ("case", "trade", "started_on", "completed_on", "certified_on")
    list_filter = ("trade",)
    search_fields = ("case__code",)  # the certificate number is encrypted


@admin.register(Internship)
class InternshipAdmin(ReadOnlyAdmin):
    list_display = ("case", "employer", "started_on", "ended_on")
    search_fields = ("case__code",)  # the employer is encrypted
    sortable_by = ("case", "started_on", "ended_on")


@admin.register(GroupActivity)
class GroupActivityAdmin(ReadOnlyAdmin):
    case_code_of = staticmethod(lambda obj: "")  # a center's activity, of no one case
    list_display = ("held_on", "center", "kind", "title")
    list_filter = ("center", "kind")
    search_fields = ("title",)
