"""Read-only ledger admin: staff can inspect every account, transfer and hold, but money
only moves through services (withdrawal, dispute and slashing actions in the domain
admins)."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from .models import Account, Asset, Hold, Transfer
from .units import money

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    """The ledger stands alone (it imports nothing of the platform): its own read-only
    base rather than the marketplace's."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def change_link(obj: Model | None) -> str:
    """A link to a ledger record's page (the platform's helpers live above the ledger)."""
    if obj is None:
        return "—"
    url = reverse(f"admin:ledger_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def transfers_link(text: str, **filters: int) -> str:
    url = reverse("admin:ledger_transfer_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), text)


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "decimals"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "asset", "kind", "balance_units", "created_at"]
    list_filter = ["asset", "kind"]
    search_fields = ["code"]
    readonly_fields = ["balance_units", "transfers"]

    @admin.display(description="balance", ordering="balance")
    def balance_units(self, account: Account) -> str:
        return money(account.balance, account.asset_id)

    @admin.display(description="transfers")
    def transfers(self, account: Account) -> str:
        return format_html(
            "{} · {}",
            transfers_link("out", debit_account=account.pk),
            transfers_link("in", credit_account=account.pk),
        )


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "amount_units",
        "kind",
        "debit_account",
        "credit_account",
        "reference",
    ]
    list_filter = ["asset", "kind"]
    search_fields = ["reference", "idempotency_key", "debit_account__code", "credit_account__code"]
    list_select_related = ["debit_account", "credit_account"]
    readonly_fields = ["amount_units", "debit_link", "credit_link", "hold_link"]

    @admin.display(description="amount", ordering="amount")
    def amount_units(self, transfer: Transfer) -> str:
        return money(transfer.amount, transfer.asset_id)

    @admin.display(description="from")
    def debit_link(self, transfer: Transfer) -> str:
        return change_link(transfer.debit_account)

    @admin.display(description="to")
    def credit_link(self, transfer: Transfer) -> str:
        return change_link(transfer.credit_account)

    @admin.display(description="hold")
    def hold_link(self, transfer: Transfer) -> str:
        return change_link(transfer.hold)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "amount_units", "status", "reference", "payer"]
    list_filter = ["asset", "status"]
    search_fields = ["reference", "payer__code"]
    list_select_related = ["payer"]
    readonly_fields = ["amount_units", "left", "payer_link", "transfers"]

    @admin.display(description="held at first", ordering="amount")
    def amount_units(self, hold: Hold) -> str:
        return money(hold.amount, hold.asset_id)

    @admin.display(description="still held")
    def left(self, hold: Hold) -> str:
        return money(hold.account.balance, hold.asset_id)

    @admin.display(description="payer")
    def payer_link(self, hold: Hold) -> str:
        return change_link(hold.payer)

    @admin.display(description="transfers")
    def transfers(self, hold: Hold) -> str:
        return transfers_link("transfers of this hold", hold=hold.pk)
