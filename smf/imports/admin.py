from django.contrib import admin

from smf.core.admin import ServiceRecordAdmin

from .models import ImportedFile, ImportJob


@admin.register(ImportedFile)
class ImportedFileAdmin(ServiceRecordAdmin):
    list_display = ("filename", "rows", "imported_at", "imported_by")


@admin.register(ImportJob)
class ImportJobAdmin(ServiceRecordAdmin):
    list_display = ("uuid", "status", "progress", "attempts", "created_at", "finished_at")
    list_filter = ("status",)
