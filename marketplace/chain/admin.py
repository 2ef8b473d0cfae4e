from django.contrib import admin, messages

from ledger.units import money
from marketplace.core.admin_base import NoAddDeleteAdmin, ReadOnlyAdmin, log_staff_action

from . import selectors, services
from .models import ChainState, Deposit, Holding, Payout


@admin.register(ChainState)
class ChainStateAdmin(NoAddDeleteAdmin):
    """The pause switch: while withdrawals are paused the payer sends nothing."""

    list_display = ["__str__", "withdrawals_paused", "next_nonce", "genesis_hash", "updated_at"]
    readonly_fields = [f.name for f in ChainState._meta.fields]
    actions = ["pause_withdrawals", "resume_withdrawals"]

    def has_pause_withdrawals_permission(self, request):
        return request.user.has_perm("chain.pause_withdrawals")

    def _switch(self, request, paused: bool) -> None:
        before = selectors.withdrawals_paused()
        state = services.set_withdrawals_paused(paused)
        what = "pause withdrawals" if paused else "resume withdrawals"
        log_staff_action(
            request, state, what, {"withdrawals_paused": before}, {"withdrawals_paused": paused}
        )

    @admin.action(
        description="Pause withdrawals (nothing more is sent on chain)",
        permissions=["pause_withdrawals"],
    )
    def pause_withdrawals(self, request, queryset):
        self._switch(request, True)
        self.message_user(request, "Withdrawals are paused.", messages.WARNING)

    @admin.action(description="Resume withdrawals", permissions=["pause_withdrawals"])
    def resume_withdrawals(self, request, queryset):
        self._switch(request, False)
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


@admin.register(Holding)
class HoldingAdmin(ReadOnlyAdmin):
    """The hot wallet against the ledger, per asset, as the chain worker last checked."""

    list_display = ["asset", "held", "ledger_owes", "short", "checked_at"]
    list_filter = ["short"]

    @admin.display(description="On chain", ordering="on_chain")
    def held(self, holding):
        return money(holding.on_chain, holding.asset)

    @admin.display(description="Ledger owes", ordering="owed")
    def ledger_owes(self, holding):
        return money(holding.owed, holding.asset)
