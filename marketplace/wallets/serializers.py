from rest_framework import serializers

from marketplace.core.identity import address_of
from marketplace.core.rest import AmountField


class BalanceSerializer(serializers.Serializer):
    asset = serializers.CharField()
    available = AmountField(allow_zero=True)
    held = AmountField(allow_zero=True)
    staked = AmountField(allow_zero=True)


class WithdrawalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = serializers.CharField()
    amount = AmountField()
    destination = serializers.SerializerMethodField()
    status = serializers.CharField()
    review_state = serializers.CharField(
        help_text="'awaiting_review' while an operator must approve it (four eyes); "
        "'approved', 'rejected', or '' when no review was needed."
    )
    tx_hash = serializers.CharField()
    block_hash = serializers.CharField()
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_destination(self, obj) -> str:
        return address_of(obj.destination)


class EntrySerializer(serializers.Serializer):
    """One line of a wallet statement, seen from the wallet's side."""

    id = serializers.IntegerField()
    asset = serializers.CharField()
    amount = AmountField()
    direction = serializers.CharField()
    kind = serializers.CharField()
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    address = serializers.CharField()
    balances = BalanceSerializer(many=True)
