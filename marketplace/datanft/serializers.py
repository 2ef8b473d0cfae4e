"""Input and output shapes of the Data NFT registry, shared by actions and API views."""

import math

from rest_framework import serializers

from marketplace.core.canonical import canonical_json
from marketplace.core.jsontext import JSONTextError, check_storable
from marketplace.core.rest import AddressField, AmountField

from .models import Category, DataNFT

MAX_READINGS_PER_CALL = 1000
MAX_EXTRA_CHARS = 256  # canonical JSON of a reading's extra keys
MAX_SUBSCRIPTION_HOURS = 24 * 365


class TrainingSerializer(serializers.Serializer):
    """`training: {allowed, price_per_round}`, the owner's opt-in to federated training
    (docs/FEDERATED.md). Nested with `source="*"`, it reads and writes the NFT's
    `training_allowed` and `training_price_per_round` columns."""

    allowed = serializers.BooleanField(source="training_allowed")
    price_per_round = AmountField(
        source="training_price_per_round",
        allow_zero=True,
        help_text="paid to the owner for each round of a federated job over this NFT",
    )


class DataNFTSerializer(serializers.ModelSerializer):
    """Public metadata. `content_ref` is left out: it is where the data lives, so only
    wallets with access see it (access_data, or the detail view when signed in)."""

    owner = serializers.CharField(source="owner.address", help_text="SS58 address")
    price_per_hour = AmountField(allow_zero=True)
    training = TrainingSerializer(source="*", read_only=True)

    class Meta:
        model = DataNFT
        fields = [
            "id",
            "owner",
            "name",
            "description",
            "category",
            "sensor_type",
            "data_format",
            "update_frequency",
            "location",
            "access_policy",
            "asset",
            "price_per_hour",
            "training",
            "created_at",
        ]


class DataNFTWithRefSerializer(DataNFTSerializer):
    """What the owner, a subscriber, and anyone for a public NFT see."""

    class Meta(DataNFTSerializer.Meta):
        fields = [*DataNFTSerializer.Meta.fields, "content_ref"]


class FiniteNumberField(serializers.Field):
    """A JSON number (not a string, not a boolean) that is finite as a float."""

    default_error_messages = {"invalid": "Send a finite JSON number."}

    def to_internal_value(self, data) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:  # an int beyond the float range
            self.fail("invalid")
        if not math.isfinite(value):
            self.fail("invalid")
        return value

    def to_representation(self, value) -> float:
        return value


class SafeDateTimeField(serializers.DateTimeField):
    """ISO-8601; a time that cannot be converted to UTC (year 1 at +05:00) is invalid
    instead of an OverflowError."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="ISO-8601")


class ReadingInSerializer(serializers.Serializer):
    """`{ts, value, ...}`: every key besides ts and value is kept as the reading's extra."""

    ts = SafeDateTimeField()
    value = FiniteNumberField()

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)  # refuses anything but an object
        extra = {key: item for key, item in data.items() if key not in ("ts", "value")}
        try:
            check_storable(extra)
        except JSONTextError as exc:
            raise serializers.ValidationError({"extra": str(exc)}) from exc
        size = len(canonical_json(extra))
        if size > MAX_EXTRA_CHARS:
            raise serializers.ValidationError(
                {
                    "extra": f"The other keys take {size} characters of JSON; at most "
                    f"{MAX_EXTRA_CHARS}."
                }
            )
        validated["extra"] = extra
        return validated


# Readings are serialized from `(ts, value, extra)` rows, not model instances: a
# federated task reads 10,000 readings a round, and building an instance and a field
# value per reading cost more than the query itself (docs/BENCHMARKS.md).
class ReadingOutSerializer(serializers.Serializer):
    """The reading as published: ts, value and its other keys side by side."""

    ts = serializers.DateTimeField()
    value = serializers.FloatField()

    def to_representation(self, instance):
        ts, value, extra = instance
        return {**extra, "ts": self.fields["ts"].to_representation(ts), "value": value}


READING_ROW = ("ts", "value", "extra")


class PublishReadingsParams(serializers.Serializer):
    nft_id = serializers.IntegerField(min_value=1)
    readings = serializers.ListField(
        child=ReadingInSerializer(), min_length=1, max_length=MAX_READINGS_PER_CALL
    )


class NftIdParams(serializers.Serializer):
    nft_id = serializers.IntegerField(min_value=1)


class AccessParams(NftIdParams):
    job_id = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Asked by a job's assigned provider: a token to read for that job, on the "
        "job owner's access (docs/DATA_NFTS.md).",
    )


class UpdateParams(NftIdParams):
    training = TrainingSerializer(source="*")


class TransferParams(NftIdParams):
    to = AddressField()


class PurchaseParams(NftIdParams):
    hours = serializers.IntegerField(min_value=1, max_value=MAX_SUBSCRIPTION_HOURS)


class ListFilters(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    owner = AddressField(required=False)
    q = serializers.CharField(max_length=100, required=False)


class ReadingsQuery(serializers.Serializer):
    since = SafeDateTimeField(required=False)
    until = SafeDateTimeField(required=False)


class DataUsageStatsSerializer(serializers.Serializer):
    nft_id = serializers.IntegerField()
    asset = serializers.CharField()
    accesses = serializers.IntegerField()
    job_uses = serializers.IntegerField()
    subscribers_active = serializers.IntegerField()
    subscriptions_sold = serializers.IntegerField()
    revenue = AmountField(allow_zero=True, help_text="What owners received, net of fees.")
    revenue_gross = AmountField(allow_zero=True, help_text="What subscribers paid.")
    last_access_at = serializers.DateTimeField(allow_null=True)
