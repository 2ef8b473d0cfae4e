from rest_framework import serializers

from marketplace.core.rest import AmountField

from . import selectors
from .models import Provider


class ProviderSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="wallet.address")
    capabilities = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    pricing = serializers.DictField(child=serializers.CharField())
    stake = serializers.SerializerMethodField()
    unbonding = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "address",
            "name",
            "capabilities",
            "regions",
            "pricing",
            "stake",
            "unbonding",
            "reputation",
            "jobs_completed",
            "jobs_expired",
            "disputes_lost",
            "active",
            "created_at",
        ]

    def get_stake(self, provider: Provider) -> str:
        return str(selectors.stake_of(provider))

    def get_unbonding(self, provider: Provider) -> str:
        return str(selectors.unbonding_of(provider))


class UnbondingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = AmountField()
    unbond_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
