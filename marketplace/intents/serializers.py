"""Output shapes of intents, batches and pools (API.md), shared by the API and events."""

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from marketplace.core.identity import address_of
from marketplace.core.rest import AmountField
from marketplace.wallets.actions import AssetField


def _amounts(**amounts: int) -> dict[str, str]:
    return {asset: str(amount) for asset, amount in amounts.items()}


class IntentSerializer(serializers.Serializer):
    """Amounts are null until the batch settles (nobody, the server included, knows
    them before) and stay null for a cancelled intent."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    batch_id = serializers.IntegerField()
    owner = serializers.SerializerMethodField()
    token_in = serializers.CharField()
    token_out = serializers.CharField()
    route = serializers.ListField(child=serializers.CharField(), help_text="assets, in order")
    lock_amount = AmountField()
    expires_at = serializers.DateTimeField(allow_null=True)
    amount_in = AmountField(allow_zero=True, allow_null=True)
    min_output = AmountField(allow_zero=True, allow_null=True)
    amount_out = AmountField(allow_zero=True, allow_null=True)
    mev_saved = AmountField(
        allow_zero=True,
        allow_null=True,
        help_text="executed: amount_out less the same swap sandwiched on the pool alone",
    )
    legs = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        allow_null=True,
        help_text="after execution: {token_in, token_out, amount_in, amount_out} per pool",
    )
    sealed_intent = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_owner(self, intent) -> str:
        return address_of(intent.wallet.public_key)


def intent_data(intents) -> list[dict]:
    """`IntentSerializer(intents, many=True).data`, the same keys in the same order with
    the same values, written out: a settlement announces every intent of its batch, and
    the serializer's per-field machinery cost a quarter of the whole settlement.
    tests/intents/test_intent_data.py holds the two equal for every status."""
    zone = timezone.get_current_timezone()

    def when(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def amount(value: int | None) -> str | None:
        return None if value is None else str(int(value))

    return [
        {
            "id": intent.id,
            "status": str(intent.status),
            "reason": intent.reason,
            "batch_id": intent.batch_id,
            "owner": address_of(intent.wallet.public_key),
            "token_in": intent.token_in,
            "token_out": intent.token_out,
            "route": intent.route,
            "lock_amount": amount(intent.lock_amount),
            "expires_at": when(intent.expires_at),
            "amount_in": amount(intent.amount_in),
            "min_output": amount(intent.min_output),
            "amount_out": amount(intent.amount_out),
            "mev_saved": amount(intent.mev_saved),
            "legs": None
            if intent.legs is None
            else [
                {str(key): None if value is None else str(value) for key, value in leg.items()}
                for leg in intent.legs
            ],
            "sealed_intent": intent.sealed_intent,
            "created_at": when(intent.created_at),
            "decided_at": when(intent.decided_at),
        }
        for intent in intents
    ]


class PairSerializer(serializers.Serializer):
    """One pair of a settled batch; `token_in < token_out`, the price is token_out per
    token_in (the other direction traded at its inverse). Volumes are per asset:
    what the intents paid in and received; the pool leg is the one net trade."""

    token_in = serializers.CharField(source="token_a")
    token_out = serializers.CharField(source="token_b")
    clearing_price = serializers.CharField(help_text='exact "num/den" in smallest units')
    price = serializers.CharField(
        source="price_display", help_text="token_out per whole token_in, truncated"
    )
    fee_bps = serializers.IntegerField()
    executed = serializers.IntegerField()
    dropped = serializers.IntegerField()
    volume_in = serializers.SerializerMethodField()
    volume_out = serializers.SerializerMethodField()
    pool_leg = serializers.SerializerMethodField()
    reserves_before = serializers.SerializerMethodField()
    reserves_after = serializers.SerializerMethodField()

    def get_volume_in(self, p) -> dict[str, str]:
        return _amounts(**{p.token_a: p.volume_in_a, p.token_b: p.volume_in_b})

    def get_volume_out(self, p) -> dict[str, str]:
        return _amounts(**{p.token_a: p.volume_out_a, p.token_b: p.volume_out_b})

    def get_pool_leg(self, p) -> dict[str, str] | None:
        if not p.leg_token_in:
            return None
        token_out = p.token_b if p.leg_token_in == p.token_a else p.token_a
        return {
            "token_in": p.leg_token_in,
            "token_out": token_out,
            "amount_in": str(p.leg_amount_in),
            "amount_out": str(p.leg_amount_out),
        }

    def get_reserves_before(self, p) -> dict[str, str]:
        return _amounts(**{p.token_a: p.reserve_a_before, p.token_b: p.reserve_b_before})

    def get_reserves_after(self, p) -> dict[str, str]:
        return _amounts(**{p.token_a: p.reserve_a_after, p.token_b: p.reserve_b_after})


class BatchSerializer(serializers.Serializer):
    """`secret_key` (hex X25519) is null until the batch settles; with it anyone can
    open the batch's sealed intents and re-run it (`manage.py verify_batch <id>`)."""

    id = serializers.IntegerField()
    status = serializers.CharField(source="display_status")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    public_key = serializers.CharField()
    secret_key = serializers.SerializerMethodField()
    pairs = serializers.SerializerMethodField()
    verify = serializers.SerializerMethodField()

    def get_secret_key(self, batch) -> str | None:
        return batch.secret_key or None

    def get_pairs(self, batch) -> list[dict]:
        pairs = self.context.get("pairs")
        if pairs is None:
            pairs = batch.pairs.all()
        return PairSerializer(pairs, many=True).data

    def get_verify(self, batch) -> str | None:
        return f"manage.py verify_batch {batch.pk}" if batch.secret_key else None


class EpochSerializer(serializers.Serializer):
    batch_id = serializers.IntegerField(source="pk")
    public_key = serializers.CharField()
    closes_at = serializers.DateTimeField()


class PoolSerializer(serializers.Serializer):
    token_a = serializers.CharField()
    token_b = serializers.CharField()
    reserve_a = AmountField(allow_zero=True)
    reserve_b = AmountField(allow_zero=True)
    fee_bps = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    batches = serializers.IntegerField()
    intents_executed = serializers.IntegerField()
    intents_dropped = serializers.IntegerField()
    volume = serializers.DictField(child=serializers.CharField())
    mev_saved = serializers.DictField(
        child=serializers.CharField(), help_text="per asset received, smallest units"
    )


class QuoteQuery(serializers.Serializer):
    token_in = AssetField()
    token_out = AssetField()
    amount_in = AmountField()
    slippage_bps = serializers.IntegerField(
        min_value=0, max_value=5_000, required=False, help_text="default PM_DEFAULT_SLIPPAGE_BPS"
    )


class QuoteSerializer(serializers.Serializer):
    """GET /api/quote: an estimate for a lone intent at the pools' reserves now."""

    token_in = serializers.CharField()
    token_out = serializers.CharField()
    amount_in = AmountField()
    amount_out_estimate = AmountField(allow_zero=True)
    route = serializers.ListField(child=serializers.CharField())
    price = serializers.CharField(help_text="token_out per whole token_in, truncated")
    fee = AmountField(allow_zero=True, help_text="the pools' fees, in token_in")
    fee_bps = serializers.IntegerField()
    price_impact_bps = serializers.IntegerField()
    suggested_min_output = AmountField(allow_zero=True)
    slippage_bps = serializers.IntegerField()
    batch_id = serializers.IntegerField()
    batch_closes_at = serializers.DateTimeField()
    batch_sealed_intents = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="sealed intents in the open batch per pair of the route (never amounts)",
    )
