"""Voucher records in the Django admin, for the bureau administrator to look things up.

Money moves only through the services (which keep the counters and the event log in step), so the records
that carry money are read-only here; events are append-only everywhere. Programmes, types and providers
may be corrected, but budget changes should go through the loader (``heluo vouchers load``), which also
updates the counters.
"""

from django.contrib import admin

from heluo.core.admin import ReadOnlyAdmin

from .models import Programme, Provider, ProviderService, Redemption, RiskFlag, Settlement, Voucher, VoucherEvent, VoucherType


class VoucherTypeInline(admin.TabularInline):
    model = VoucherType
    extra = 0
    readonly_fields = ["budget", "cap_per_voucher", "share_of_contract"]  # the counters follow these: change them via the loader


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "year", "allocation_mode", "budget", "window_opens", "window_closes", "is_example", "is_published"]
    list_filter = ["year", "allocation_mode", "is_example", "is_published"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["budget", "cap_per_enterprise", "created"]
    inlines = [VoucherTypeInline]

    def has_delete_permission(self, request, obj=None):
        return False  # its vouchers and events are kept


class ProviderServiceInline(admin.TabularInline):
    model = ProviderService
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["organization", "authority", "status", "applied_at", "reviewed_at"]
    list_filter = ["status", "authority"]
    search_fields = ["organization__name"]
    readonly_fields = ["organization", "status", "applied_at", "reviewed_at", "reviewed_by", "review_reason"]  # decisions: the web page
    inlines = [ProviderServiceInline]

    def has_delete_permission(self, request, obj=None):
        return False


class VoucherEventInline(admin.TabularInline):
    model = VoucherEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "amount", "actor_name", "via", "reason_code", "reason", "payload"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "programme",
        "voucher_type",
        "enterprise",
        "status",
        "face_value",
        "redeemed_amount",
        "settled_amount",
        "expires_on",
    ]
    list_filter = ["status", "programme"]
    search_fields = ["number", "enterprise__name", "contract_no"]
    inlines = [VoucherEventInline]


@admin.register(VoucherEvent)
class VoucherEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "voucher", "kind", "amount", "actor_name", "via"]
    list_filter = ["kind", "via"]
    search_fields = ["voucher__number", "actor_name"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "provider", "status", "invoice_no", "amount", "accepted_amount", "submitted_at", "channel"]
    list_filter = ["status", "channel"]
    search_fields = ["voucher__number", "invoice_no", "contract_no"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["voucher", "provider", "amount", "paid_on", "payment_ref"]
    search_fields = ["voucher__number", "payment_ref"]


@admin.register(RiskFlag)
class RiskFlagAdmin(ReadOnlyAdmin):
    list_display = ["created", "kind", "status", "key"]
    list_filter = ["kind", "status"]
