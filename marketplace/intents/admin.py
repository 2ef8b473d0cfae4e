from django.contrib import admin, messages

from ledger.units import money
from marketplace.core.admin_base import (
    ReadOnlyAdmin,
    WalletColumn,
    change_link,
    id_link,
    log_staff_action,
)

from . import selectors, services
from .clearing import ClearingInvariantError
from .models import Batch, BatchPair, BatchStatus, Intent, Pool


@admin.register(Pool)
class PoolAdmin(ReadOnlyAdmin):
    list_display = ["token_a", "token_b", "fee_bps", "reserves", "created_at"]

    @admin.display(description="reserves")
    def reserves(self, pool):
        reserve_a, reserve_b = selectors.pool_reserves(pool)
        return f"{money(reserve_a, pool.token_a)} / {money(reserve_b, pool.token_b)}"


class BatchPairInline(admin.TabularInline):
    model = BatchPair
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "opens_at", "closes_at", "closed_at", "verification"]
    list_filter = ["status", "verification"]
    exclude = ["sealed_secret_key"]
    inlines = [BatchPairInline]
    actions = ["close_and_settle_now"]

    def has_settle_batch_permission(self, request):
        return request.user.has_perm("intents.settle_batch")

    @admin.action(description="Close and settle now", permissions=["settle_batch"])
    def close_and_settle_now(self, request, queryset):
        settled = 0
        for batch in queryset.filter(status=BatchStatus.OPEN):
            try:
                done = services.settle_batch(batch.pk)
            except ClearingInvariantError as exc:
                self.message_user(request, f"Batch {batch.pk} not settled: {exc}", messages.ERROR)
                continue
            if done:
                log_staff_action(
                    request,
                    batch,
                    "close and settle now",
                    {"status": BatchStatus.OPEN},
                    {"status": BatchStatus.SETTLED},
                )
                settled += 1
        self.message_user(request, f"{settled} batch(es) settled.", messages.SUCCESS)


@admin.register(Intent)
class IntentAdmin(WalletColumn, ReadOnlyAdmin):
    list_display = ["id", "batch", "wallet_address", "token_in", "token_out", "lock", "status"]
    list_filter = ["status", "token_in", "token_out"]
    list_select_related = ["wallet", "batch"]
    exclude = ["sealed_intent"]
    readonly_fields = ["batch_link", "wallet_address", "lock", "hold_link"]

    @admin.display(description="lock", ordering="lock_amount")
    def lock(self, intent):
        return money(intent.lock_amount, intent.token_in)

    @admin.display(description="batch")
    def batch_link(self, intent):
        return change_link(intent.batch)

    @admin.display(description="lock hold")
    def hold_link(self, intent):
        return id_link("ledger.hold", intent.hold_id, f"hold #{intent.hold_id}")
