from django.contrib import admin, messages

from marketplace.core.admin_base import ReadOnlyAdmin

from . import selectors, services
from .clearing import ClearingInvariantError
from .models import Batch, BatchPair, BatchStatus, Intent, Pool


@admin.register(Pool)
class PoolAdmin(ReadOnlyAdmin):
    list_display = ["token_a", "token_b", "fee_bps", "reserves", "created_at"]

    @admin.display(description="reserves (smallest units)")
    def reserves(self, pool):
        reserve_a, reserve_b = selectors.pool_reserves(pool)
        return f"{reserve_a} {pool.token_a} / {reserve_b} {pool.token_b}"


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
    list_display = ["id", "status", "opens_at", "closes_at", "closed_at"]
    list_filter = ["status"]
    exclude = ["sealed_secret_key"]
    inlines = [BatchPairInline]
    actions = ["close_and_settle_now"]

    @admin.action(description="Close and settle now")
    def close_and_settle_now(self, request, queryset):
        settled = 0
        for batch_id in queryset.filter(status=BatchStatus.OPEN).values_list("id", flat=True):
            try:
                settled += services.settle_batch(batch_id)
            except ClearingInvariantError as exc:
                self.message_user(request, f"Batch {batch_id} not settled: {exc}", messages.ERROR)
        self.message_user(request, f"{settled} batch(es) settled.", messages.SUCCESS)


@admin.register(Intent)
class IntentAdmin(ReadOnlyAdmin):
    list_display = ["id", "batch", "wallet", "token_in", "token_out", "lock_amount", "status"]
    list_filter = ["status", "token_in", "token_out"]
    list_select_related = ["wallet", "batch"]
