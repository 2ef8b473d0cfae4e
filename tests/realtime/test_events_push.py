"""A push to a socket is forwarded without channels' per-message database clean-up (a
thread hop per socket, the largest cost of a broadcast to 1,000 sockets); the event keeps
its documented shape and every other message is still dispatched as before."""

import pytest
from asgiref.sync import sync_to_async
from channels import consumer
from channels.testing import WebsocketCommunicator
from django.db import transaction

from marketplace.core.models import OutboxEvent
from marketplace.realtime.events import publish, user_group
from polkamesh_web.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cleanups(monkeypatch) -> list[int]:
    """Counts channels' `aclose_old_connections` calls in consumer dispatch."""
    calls = []
    real = consumer.aclose_old_connections

    async def counting():
        calls.append(1)
        await real()

    monkeypatch.setattr(consumer, "aclose_old_connections", counting)
    return calls


@sync_to_async
def emit(group: str) -> OutboxEvent:
    with transaction.atomic():
        publish([group], "job.status", {"job_id": 7, "status": "open"})
    return OutboxEvent.objects.latest("id")


async def test_a_push_arrives_in_the_documented_shape_without_a_cleanup_hop(
    actions, alice, cleanups
):
    token = await sync_to_async(actions.post)("/api/auth/login", alice, "login", {})
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token.json()['token']}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    after_connect = len(cleanups)
    assert after_connect >= 1  # the connect message went through channels' dispatch

    pushed = [await emit(user_group(alice.public_key)) for _ in range(3)]
    received = [await communicator.receive_json_from(timeout=5) for _ in pushed]
    assert received == [
        {"id": event.pk, "type": "job.status", "data": {"job_id": 7, "status": "open"}}
        for event in pushed
    ]
    assert len(cleanups) == after_connect

    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "data": {}}
    assert len(cleanups) == after_connect + 1
    await communicator.disconnect()
