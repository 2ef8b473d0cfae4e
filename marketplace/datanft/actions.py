"""Signed actions of the Data NFT registry."""

from rest_framework import serializers

from marketplace.core.actions import signed_action
from marketplace.core.rest import AmountField
from marketplace.wallets.actions import AssetField

from . import services
from .models import AccessPolicy, Category, DataNFT
from .serializers import (
    AccessParams,
    DataNFTWithRefSerializer,
    PublishReadingsParams,
    PurchaseParams,
    TrainingSerializer,
    TransferParams,
    UpdateParams,
)


class MintParams(serializers.ModelSerializer):
    """The metadata, each within its column's length (longer is 400 invalid_params)."""

    category = serializers.ChoiceField(choices=Category.choices)
    access_policy = serializers.ChoiceField(choices=AccessPolicy.choices)
    asset = AssetField()
    price_per_hour = AmountField(allow_zero=True)
    training = TrainingSerializer(source="*", required=False)

    class Meta:
        model = DataNFT
        fields = [
            "name",
            "description",
            "category",
            "sensor_type",
            "data_format",
            "update_frequency",
            "content_ref",
            "access_policy",
            "asset",
            "price_per_hour",
            "location",
            "training",
        ]
        extra_kwargs = {"description": {"required": True}}

    def validate(self, attrs):
        public = attrs["access_policy"] == AccessPolicy.PUBLIC
        if public and attrs["price_per_hour"] != 0:
            raise serializers.ValidationError({"price_per_hour": "A public Data NFT is free: 0."})
        if not public and attrs["price_per_hour"] == 0:
            raise serializers.ValidationError(
                {"price_per_hour": "A subscription needs a price above 0."}
            )
        return attrs


@signed_action(
    "mint_data_nft",
    params=MintParams,
    status=201,
    response=DataNFTWithRefSerializer,
    result_name="DataNFTResult",
)
def mint_data_nft(wallet, params, ctx):
    return DataNFTWithRefSerializer(services.mint_data_nft(wallet, **params)).data


@signed_action(
    "update_data_nft",
    params=UpdateParams,
    url_params=("nft_id",),
    response=DataNFTWithRefSerializer,
    result_name="DataNFTResult",
)
def update_data_nft(wallet, params, ctx):
    return DataNFTWithRefSerializer(services.update_data_nft(wallet, **params)).data


@signed_action(
    "transfer_data_nft",
    params=TransferParams,
    url_params=("nft_id",),
    response=DataNFTWithRefSerializer,
    result_name="DataNFTResult",
)
def transfer_data_nft(wallet, params, ctx):
    return DataNFTWithRefSerializer(services.transfer_data_nft(wallet, **params)).data


class PurchaseResult(serializers.Serializer):
    nft_id = serializers.IntegerField(source="subscription.nft_id")
    subscriber = serializers.CharField(source="subscription.subscriber.address")
    hours = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    asset = serializers.CharField()
    paid = AmountField(source="amount", help_text="price_per_hour * hours, from the subscriber")
    fee = AmountField(allow_zero=True, help_text="the platform's part of `paid`")


@signed_action(
    "purchase_subscription", params=PurchaseParams, url_params=("nft_id",), response=PurchaseResult
)
def purchase_subscription(wallet, params, ctx):
    purchase = services.purchase_subscription(wallet, idempotency_key=ctx.idempotency_key, **params)
    return PurchaseResult(purchase).data


class AccessResult(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        help_text="for GET /api/data-nfts/{id}/readings?token=; given once: absent when "
        "the same request is replayed",
    )
    expires_at = serializers.DateTimeField()
    content_ref = serializers.CharField()


# The token is a bearer credential: answered once, never stored in the audit trail.
@signed_action(
    "access_data",
    params=AccessParams,
    url_params=("nft_id",),
    response=AccessResult,
    secret_fields=("token",),
)
def access_data(wallet, params, ctx):
    return AccessResult(services.access_data(wallet, **params)).data


class PublishResult(serializers.Serializer):
    nft_id = serializers.IntegerField()
    published = serializers.IntegerField()


@signed_action(
    "publish_readings",
    params=PublishReadingsParams,
    url_params=("nft_id",),
    response=PublishResult,
)
def publish_readings(wallet, params, ctx):
    return {"nft_id": params["nft_id"], "published": services.publish_readings(wallet, **params)}
