"""Intent events: `intent.status` to the submitter, `batch.settled` to everyone. Both go
through the outbox of the current transaction and are pushed after it commits."""

from marketplace.realtime.events import PUBLIC, publish, publish_many, user_group

from .serializers import BatchSerializer, intent_data


def notify_intent(intent, public_key: str) -> None:
    publish([user_group(public_key)], "intent.status", intent_data([intent])[0])


def notify_intents(intents) -> None:
    """`notify_intent` for a whole batch's intents, in one outbox INSERT."""
    data = intent_data(intents)
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
