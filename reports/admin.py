from django.contrib import admin

from smf.core.admin import ServiceRecordAdmin

from .models import ImpactReport


@admin.register(ImpactReport)
class ImpactReportAdmin(ServiceRecordAdmin):
    list_display = ("year", "language", "variant", "version", "status", "progress", "created_at")
    list_filter = ("status", "language", "variant", "year")
