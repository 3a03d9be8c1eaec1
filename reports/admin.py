from django.contrib import admin

from smf.core.admin import SectionAdmin, ServiceRecordAdmin

from .models import Disbursement, ImpactReport


@admin.register(Disbursement)
class DisbursementAdmin(SectionAdmin):
    list_display = ("given_on", "recipient", "region", "amount_usd")
    list_filter = ("region",)
    date_hierarchy = "given_on"
    search_fields = ("recipient",)


@admin.register(ImpactReport)
class ImpactReportAdmin(ServiceRecordAdmin):
    list_display = ("year", "language", "variant", "version", "status", "progress", "created_at")
    list_filter = ("status", "language", "variant", "year")
