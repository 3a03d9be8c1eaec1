from django.contrib import admin

from smf.core.admin import SectionAdmin

from .models import Disbursement, ImpactReport, ImportedFile, ImportJob


@admin.register(Disbursement)
class DisbursementAdmin(SectionAdmin):
    list_display = ("given_on", "recipient", "region", "amount_usd")
    list_filter = ("region",)
    date_hierarchy = "given_on"
    search_fields = ("recipient",)


class ReadOnlyAdmin(SectionAdmin):
    """Records written only by services (reports, imports): the admin looks, never edits."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImpactReport)
class ImpactReportAdmin(ReadOnlyAdmin):
    list_display = ("year", "language", "variant", "version", "status", "progress", "created_at")
    list_filter = ("status", "language", "variant", "year")


@admin.register(ImportedFile)
class ImportedFileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "rows", "imported_at", "imported_by")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "status", "progress", "created_at", "finished_at")
    list_filter = ("status",)
