"""Staff views of the registry. Everything is read-only: ownership moves by the owner's
signed transfer, money by purchases, readings by the owner's signed publish."""

from django.contrib import admin

from ledger.units import money
from marketplace.core.admin_base import ReadOnlyAdmin, address, id_link

from .models import DataAccess, DataNFT, Purchase, Reading, Subscription


@admin.register(DataNFT)
class DataNFTAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "owner_address",
        "category",
        "access_policy",
        "hourly_price",
        "training_allowed",
        "training_price",
    ]
    list_filter = ["category", "access_policy", "asset", "training_allowed"]
    search_fields = ["name", "description", "sensor_type", "owner__public_key"]
    list_select_related = ["owner"]
    readonly_fields = ["owner_address", "hourly_price", "training_price"]

    @admin.display(description="owner")
    def owner_address(self, nft):
        return address(nft.owner.public_key)

    @admin.display(description="price per hour", ordering="price_per_hour")
    def hourly_price(self, nft):
        return money(nft.price_per_hour, nft.asset)

    @admin.display(description="training price per round")
    def training_price(self, nft):
        return money(nft.training_price_per_round, nft.asset) if nft.training_allowed else "—"


class PurchaseInline(admin.TabularInline):
    model = Purchase
    extra = 0
    can_delete = False
    fields = ["created_at", "hours", "paid", "platform_fee", "starts_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="paid")
    def paid(self, purchase):
        return money(purchase.amount, purchase.asset)

    @admin.display(description="fee")
    def platform_fee(self, purchase):
        return money(purchase.fee, purchase.asset)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "subscriber_address", "expires_at", "status"]
    list_filter = ["status"]
    search_fields = ["subscriber__public_key", "nft__name"]
    list_select_related = ["nft", "subscriber"]
    readonly_fields = ["subscriber_address"]

    @admin.display(description="subscriber")
    def subscriber_address(self, subscription):
        return address(subscription.subscriber.public_key)

    inlines = [PurchaseInline]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "ts", "value"]
    list_filter = ["nft"]
    list_select_related = ["nft"]
    date_hierarchy = "ts"


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "kind", "accessor_address", "job_link", "at"]
    list_filter = ["kind"]
    search_fields = ["accessor"]
    list_select_related = ["nft"]

    @admin.display(description="accessor")
    def accessor_address(self, access):
        return address(access.accessor)

    @admin.display(description="job")
    def job_link(self, access):
        return id_link(
            "jobs.job", access.job_id, f"job #{access.job_id}" if access.job_id else None
        )
