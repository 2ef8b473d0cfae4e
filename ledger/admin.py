"""Read-only ledger admin: staff can inspect every account, transfer and hold, but money
only moves through services (withdrawal, dispute and slashing actions in the domain
admins)."""

from django.contrib import admin

from .models import Account, Asset, Hold, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger stands alone (it imports nothing of the platform): its own read-only
    base rather than the marketplace's."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "decimals"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "asset", "kind", "balance", "created_at"]
    list_filter = ["asset", "kind"]
    search_fields = ["code"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "asset",
        "amount",
        "kind",
        "debit_account",
        "credit_account",
        "reference",
    ]
    list_filter = ["asset", "kind"]
    search_fields = ["reference", "idempotency_key", "debit_account__code", "credit_account__code"]
    list_select_related = ["debit_account", "credit_account"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "asset", "amount", "status", "reference", "payer"]
    list_filter = ["asset", "status"]
    search_fields = ["reference", "payer__code"]
    list_select_related = ["payer"]
