"""Events to WebSocket clients, sent only after the change they announce commits.

Groups: `user.<public key hex>` (a wallet's private feed), `public` (market feed),
`capability.<cpu|gpu|tee>` (providers that can run such jobs).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .models import OutboxEvent

log = logging.getLogger(__name__)

PUBLIC = "public"


def user_group(public_key: str) -> str:
    return f"user.{public_key}"


def capability_group(capability: str) -> str:
    return f"capability.{capability}"


def publish(groups: list[str], type: str, data: dict) -> None:
    """Record an event in the outbox of the current transaction; deliver after commit."""
    event = OutboxEvent.objects.create(groups=groups, type=type, data=data)
    if settings.PM_EVENTS_DIRECT:
        transaction.on_commit(lambda: deliver(event))


def deliver(event: OutboxEvent) -> None:
    """Push one event to its groups. A lost push is not lost state: clients catch up
    from the outbox when they reconnect."""
    try:
        async_to_sync(send_event)(event)
    except Exception:  # a blinking Redis must not fail the request that committed
        log.warning("push of event %s failed; clients will catch up", event.pk, exc_info=True)


async def send_event(event: OutboxEvent) -> None:
    layer = get_channel_layer()
    message = {"type": "event.forward", "event": event.as_message()}
    for group in event.groups:
        await layer.group_send(group, message)
