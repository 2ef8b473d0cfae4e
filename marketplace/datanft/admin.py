"""Staff views of the registry. Everything is read-only: ownership moves by the owner's
signed transfer, money by purchases, readings by the owner's signed publish."""

from django.contrib import admin

from marketplace.core.admin_base import ReadOnlyAdmin

from .models import DataAccess, DataNFT, Purchase, Reading, Subscription


@admin.register(DataNFT)
class DataNFTAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "owner",
        "category",
        "access_policy",
        "asset",
        "price_per_hour",
        "training_allowed",
        "training_price_per_round",
    ]
    list_filter = ["category", "access_policy", "asset", "training_allowed"]
    search_fields = ["name", "description", "sensor_type", "owner__public_key"]
    list_select_related = ["owner"]


class PurchaseInline(admin.TabularInline):
    model = Purchase
    extra = 0
    can_delete = False
    fields = ["created_at", "hours", "asset", "amount", "fee", "starts_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "subscriber", "expires_at", "status"]
    list_filter = ["status"]
    search_fields = ["subscriber__public_key", "nft__name"]
    list_select_related = ["nft", "subscriber"]
    inlines = [PurchaseInline]


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "ts", "value"]
    list_filter = ["nft"]
    list_select_related = ["nft"]
    date_hierarchy = "ts"


@admin.register(DataAccess)
class DataAccessAdmin(ReadOnlyAdmin):
    list_display = ["id", "nft", "kind", "accessor", "job_id", "at"]
    list_filter = ["kind"]
    search_fields = ["accessor"]
    list_select_related = ["nft"]
