"""Intent events: `intent.status` to the submitter, `batch.settled` to everyone. Both go
through the outbox of the current transaction and are pushed after it commits."""

from marketplace.realtime.events import PUBLIC, publish, publish_many, user_group

from .serializers import BatchSerializer, IntentSerializer


def notify_intent(intent, public_key: str) -> None:
    publish([user_group(public_key)], "intent.status", IntentSerializer(intent).data)


def notify_intents(intents) -> None:
    """`notify_intent` for a whole batch's intents, in one outbox INSERT."""
    data = IntentSerializer(intents, many=True).data
    publish_many(
        ([user_group(intent.wallet.public_key)], "intent.status", item)
        for intent, item in zip(intents, data, strict=True)
    )


def notify_batch_settled(batch, pairs, intents) -> None:
    data = BatchSerializer(batch, context={"pairs": pairs}).data
    data["intents"] = {
        status: sum(1 for i in intents if i.status == status)
        for status in ("executed", "dropped", "invalid")
    }
    publish([PUBLIC], "batch.settled", data)
