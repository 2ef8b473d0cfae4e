"""Signed actions of the intents app: submit_intent, cancel_intent."""

from rest_framework import serializers

from marketplace.core.actions import signed_action
from marketplace.core.rest import AmountField
from marketplace.wallets.actions import AssetField

from . import services
from .sealing import MAX_SEALED_BYTES
from .serializers import IntentSerializer


class SubmitIntentParams(serializers.Serializer):
    batch_id = serializers.IntegerField(min_value=1)
    token_in = AssetField()
    token_out = AssetField()
    lock_amount = AmountField()
    sealed_intent = serializers.CharField(
        max_length=4 * (MAX_SEALED_BYTES // 3 + 1),
        trim_whitespace=False,
        help_text='base64 sealed box (X25519, the epoch key) of {"amount_in", "min_output"}',
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="still sealed when its batch closes after this: expired"
    )


@signed_action("submit_intent", params=SubmitIntentParams, status=201, response=IntentSerializer)
def submit_intent(wallet, params, ctx):
    intent = services.submit_intent(wallet, idempotency_key=ctx.idempotency_key, **params)
    return IntentSerializer(intent).data


class CancelIntentParams(serializers.Serializer):
    intent_id = serializers.IntegerField(min_value=1)


@signed_action(
    "cancel_intent",
    params=CancelIntentParams,
    url_params=("intent_id",),
    response=IntentSerializer,
)
def cancel_intent(wallet, params, ctx):
    return IntentSerializer(services.cancel_intent(wallet, **params)).data
