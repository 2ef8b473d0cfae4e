from django.contrib import admin, messages

from marketplace.core.admin_base import NoAddDeleteAdmin, ReadOnlyAdmin

from . import services
from .models import ChainState, Deposit, Payout


@admin.register(ChainState)
class ChainStateAdmin(NoAddDeleteAdmin):
    """The pause switch: while withdrawals are paused the payer sends nothing."""

    list_display = ["__str__", "withdrawals_paused", "next_nonce", "genesis_hash", "updated_at"]
    readonly_fields = [f.name for f in ChainState._meta.fields]
    actions = ["pause_withdrawals", "resume_withdrawals"]

    @admin.action(description="Pause withdrawals (nothing more is sent on chain)")
    def pause_withdrawals(self, request, queryset):
        services.set_withdrawals_paused(True)
        self.message_user(request, "Withdrawals are paused.", messages.WARNING)

    @admin.action(description="Resume withdrawals")
    def resume_withdrawals(self, request, queryset):
        services.set_withdrawals_paused(False)
        self.message_user(request, "Withdrawals are paid again.", messages.SUCCESS)


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["id", "block_number", "asset", "amount", "sender", "status", "credited_at"]
    list_filter = ["status", "asset"]
    search_fields = ["sender", "block_hash"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "withdrawal_id", "nonce", "tx_hash", "from_block", "created_at"]
    search_fields = ["tx_hash"]
