from django.contrib import admin, messages

from marketplace.core.admin_base import NoAddDeleteAdmin, ReadOnlyAdmin

from . import services
from .models import ApiToken, SignedAction, Wallet, Withdrawal, WithdrawalStatus


@admin.register(Wallet)
class WalletAdmin(admin.ModelAdmin):
    list_display = ["address", "public_key", "created_at"]
    search_fields = ["public_key"]
    readonly_fields = ["public_key", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SignedAction)
class SignedActionAdmin(ReadOnlyAdmin):
    """The audit trail: read-only."""

    list_display = ["id", "created_at", "action", "wallet", "response_status"]
    list_filter = ["action", "response_status"]
    search_fields = ["nonce", "wallet__public_key", "payload"]
    list_select_related = ["wallet"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "wallet", "created_at", "revoked_at"]
    readonly_fields = ["wallet", "key_hash", "created_at", "revoked_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Withdrawal)
class WithdrawalAdmin(NoAddDeleteAdmin):
    list_display = ["id", "created_at", "wallet", "asset", "amount", "destination", "status"]
    list_filter = ["status", "asset"]
    readonly_fields = [f.name for f in Withdrawal._meta.fields]
    actions = ["mark_paid", "mark_failed"]

    def _decide(self, request, queryset, decide, verb):
        done = 0
        for withdrawal in queryset.filter(status=WithdrawalStatus.PENDING):
            decide(withdrawal.pk, note=f"{verb} by {request.user}")
            done += 1
        self.message_user(request, f"{done} withdrawal(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Mark paid (the money leaves the ledger)")
    def mark_paid(self, request, queryset):
        self._decide(request, queryset, services.mark_withdrawal_paid, "marked paid")

    @admin.action(description="Mark failed (refund the wallet)")
    def mark_failed(self, request, queryset):
        self._decide(request, queryset, services.mark_withdrawal_failed, "refunded")
