"""Signed actions of the provider registry: register_provider, add_stake, unbond."""

from rest_framework import serializers

from marketplace.core.actions import signed_action
from marketplace.core.rest import AmountField

from . import services
from .models import Capability
from .serializers import ProviderSerializer, UnbondingSerializer


class RegisterParams(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    capabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Capability.choices), min_length=1, max_length=3
    )
    regions = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=20, default=list
    )
    pricing = serializers.DictField(child=AmountField(), default=dict)
    stake = AmountField()

    def validate_capabilities(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Name each capability once.")
        return value

    def validate(self, data: dict) -> dict:
        unknown = set(data["pricing"]) - set(data["capabilities"])
        if unknown:
            raise serializers.ValidationError(
                {"pricing": f"Prices for capabilities you do not offer: {sorted(unknown)}."}
            )
        return data


@signed_action("register_provider", params=RegisterParams, status=201, response=ProviderSerializer)
def register_provider(wallet, params, ctx):
    provider = services.register_provider(wallet, idempotency_key=ctx.idempotency_key, **params)
    return ProviderSerializer(provider).data


class AmountParams(serializers.Serializer):
    amount = AmountField()


@signed_action("add_stake", params=AmountParams, response=ProviderSerializer)
def add_stake(wallet, params, ctx):
    provider = services.add_stake(wallet, idempotency_key=ctx.idempotency_key, **params)
    return ProviderSerializer(provider).data


@signed_action(
    "unbond", params=AmountParams, response=UnbondingSerializer, result_name="UnbondResult"
)
def unbond(wallet, params, ctx):
    unbonding = services.unbond(wallet, idempotency_key=ctx.idempotency_key, **params)
    return UnbondingSerializer(unbonding).data
