"""Signed actions of the wallets app: login, faucet, withdraw."""

import re

from rest_framework import serializers

from ledger import selectors as ledger_selectors
from marketplace.core.actions import NoParams, signed_action
from marketplace.core.rest import AddressField, AmountField

from . import services
from .serializers import BalanceSerializer, WithdrawalSerializer

ASSET_CODE = re.compile(r"[A-Za-z0-9]{1,16}")


class AssetField(serializers.CharField):
    """An asset code of the ledger. The text is checked before the lookup (DRF runs
    validators only after this): what is not an asset code's spelling never reaches
    the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not ASSET_CODE.fullmatch(code):
            raise serializers.ValidationError("Not an asset code (letters and digits).")
        if not ledger_selectors.asset_exists(code):
            raise serializers.ValidationError(f"Unknown asset {code!r}.")
        return code


class LoginResult(serializers.Serializer):
    address = serializers.CharField()
    token = serializers.CharField(
        required=False, help_text="given once: absent when the same login is replayed"
    )


@signed_action("login", params=NoParams, response=LoginResult, secret_fields=("token",))
def login(wallet, params, ctx):
    token = services.login(wallet, ctx.request)
    return {"address": wallet.address, "token": token}


class FaucetParams(serializers.Serializer):
    asset = AssetField()
    amount = AmountField()


class FaucetResult(serializers.Serializer):
    balances = BalanceSerializer(many=True)


@signed_action("faucet", params=FaucetParams, response=FaucetResult)
def faucet(wallet, params, ctx):
    services.faucet(wallet, idempotency_key=ctx.idempotency_key, **params)
    return {
        "balances": BalanceSerializer(ledger_selectors.balances(wallet.public_key), many=True).data
    }


class WithdrawParams(serializers.Serializer):
    asset = AssetField()
    amount = AmountField()
    destination = AddressField()


@signed_action("withdraw", params=WithdrawParams, status=201, response=WithdrawalSerializer)
def withdraw(wallet, params, ctx):
    withdrawal = services.withdraw(wallet, idempotency_key=ctx.idempotency_key, **params)
    return WithdrawalSerializer(withdrawal).data
