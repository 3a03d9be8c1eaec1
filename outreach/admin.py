"""Admin for outreach records. The clinic shows client codes only: it has no
name field, and its case link shows the case code (Case.__str__)."""

from django.contrib import admin

from smf.core.admin import SectionAdmin, SectionInline

from .models import (
    AdvocacyActivity,
    ClinicClient,
    ClinicVisit,
    Disbursement,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Venue,
    VisitSupply,
)


@admin.register(Venue)
class VenueAdmin(SectionAdmin):
    list_display = ["code", "name", "kind", "province", "district", "active"]
    list_filter = ["kind", "active", "province"]
    search_fields = ["code", "name", "province", "district"]
    readonly_fields = ["code"]


class VisitSupplyInline(SectionInline):
    model = VisitSupply
    extra = 0


@admin.register(OutreachVisit)
class OutreachVisitAdmin(SectionAdmin):
    list_display = [
        "visited_on",
        "venue",
        "team",
        "contacts",
        "clients_educated",
        "condoms",
        "soaps",
    ]
    list_filter = ["team", "venue__kind", "venue__province"]
    date_hierarchy = "visited_on"
    list_select_related = ["venue", "team"]
    autocomplete_fields = ["venue"]
    filter_horizontal = ["team_members"]
    inlines = [VisitSupplyInline]


@admin.register(SupplyItem)
class SupplyItemAdmin(SectionAdmin):
    list_display = ["name", "code", "unit", "low_stock_threshold", "active"]


@admin.register(SupplyReceipt)
class SupplyReceiptAdmin(SectionAdmin):
    list_display = ["received_on", "item", "quantity", "source"]
    list_select_related = ["item"]


@admin.register(ClinicClient)
class ClinicClientAdmin(SectionAdmin):
    list_display = ["code", "created_at"]
    search_fields = ["code"]
    readonly_fields = ["code", "created_at"]


@admin.register(ClinicVisit)
class ClinicVisitAdmin(SectionAdmin):
    list_display = ["visited_on", "client_code", "service", "std_test", "std_result", "team"]
    # The result is encrypted (health data): no filter nor SQL order on it.
    list_filter = ["service", "std_test", "team"]
    sortable_by = ["visited_on", "client_code", "service", "std_test", "team"]
    search_fields = ["client_code"]
    date_hierarchy = "visited_on"
    raw_id_fields = ["enrolled_case"]


@admin.register(Meeting)
class MeetingAdmin(SectionAdmin):
    list_display = ["held_on", "title", "counterpart", "counterpart_name", "agreement_reached"]
    list_filter = ["counterpart", "agreement_reached", "team"]


@admin.register(Event)
class EventAdmin(SectionAdmin):
    list_display = ["held_on", "title", "participants"]


@admin.register(AdvocacyActivity)
class AdvocacyActivityAdmin(SectionAdmin):
    list_display = ["held_on", "kind", "title", "participants"]
    list_filter = ["kind"]
    raw_id_fields = ["advocates"]


@admin.register(Disbursement)
class DisbursementAdmin(SectionAdmin):
    # The reports section's (reports/access.py): directors and administrators.
    list_display = ("given_on", "recipient", "region", "amount_usd")
    list_filter = ("region",)
    date_hierarchy = "given_on"
    search_fields = ("recipient",)
