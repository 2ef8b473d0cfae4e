"""The `public` feed of `/ws/events/` is fanned out by the web process: one group member
per process, each event encoded once and written to every socket — once each, in the
documented shape, and never twice to a socket that also had it replayed."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction

from marketplace.core.events import PUBLIC, publish
from marketplace.core.fanout import public_fanout
from marketplace.core.models import OutboxEvent
from polkamesh_web.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def emit(type: str) -> int:
    with transaction.atomic():
        publish([PUBLIC], type, {"note": type})
    return OutboxEvent.objects.latest("id").pk


async def connect(token: str, since: int | None = None) -> WebsocketCommunicator:
    query = f"token={token}" + (f"&since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application, f"/ws/events/?{query}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def public_members() -> int:
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return len(layer.groups.get(PUBLIC, {}))
    redis = layer.connection(layer.consistent_hash(PUBLIC))
    return await redis.zcard(layer._group_key(PUBLIC))


@pytest.fixture
def tokens(actions, alice, bob, carol):
    return [
        actions.post("/api/auth/login", who, "login", {}).json()["token"]
        for who in (alice, bob, carol)
    ]


async def test_a_public_event_reaches_every_socket_once_through_one_group_member(tokens):
    first = await connect(tokens[0])
    members = await public_members()
    sockets = [first, *[await connect(token) for token in tokens[1:]]]
    assert await public_members() == members  # the process is the member, not each socket
    assert len(public_fanout.sockets) == 3

    event_id = await emit("market.tick")
    for socket in sockets:
        heard = await socket.receive_json_from(timeout=5)
        assert heard == {"id": event_id, "type": "market.tick", "data": {"note": "market.tick"}}
        assert await socket.receive_nothing(timeout=0.3)

    await sockets[0].disconnect()
    assert len(public_fanout.sockets) == 2
    after = await emit("after a disconnect")
    for socket in sockets[1:]:
        assert (await socket.receive_json_from(timeout=5))["id"] == after
        await socket.disconnect()


async def test_a_public_event_both_replayed_and_pushed_late_is_heard_once(tokens):
    last_seen = await emit("seen before")
    missed = await emit("missed")
    socket = await connect(tokens[0], since=last_seen)
    assert (await socket.receive_json_from(timeout=5))["id"] == missed

    late = await sync_to_async(OutboxEvent.objects.get)(pk=missed)
    await get_channel_layer().group_send(
        PUBLIC, {"type": "event.forward", "event": late.as_message()}
    )
    live = await emit("live")
    assert (await socket.receive_json_from(timeout=5))["id"] == live
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_sockets_connecting_at_once_share_one_subscription(tokens):
    members = await public_members()
    sockets = await asyncio.gather(*(connect(token) for token in tokens))
    assert await public_members() <= members + 1

    event_id = await emit("market.tick")
    for socket in sockets:
        assert (await socket.receive_json_from(timeout=5))["id"] == event_id
        assert await socket.receive_nothing(timeout=0.3)  # once, not once per subscription
        await socket.disconnect()


async def test_a_socket_the_fanout_cannot_write_to_is_closed_and_the_others_still_hear(
    tokens, monkeypatch
):
    broken, *others = [await connect(token) for token in tokens]
    (broken_consumer,) = [
        c for c in public_fanout.sockets if c.scope["query_string"].endswith(tokens[0].encode())
    ]

    async def fails(event_id, text):
        raise ConnectionError("the transport is gone")

    monkeypatch.setattr(broken_consumer, "push_public", fails)
    event_id = await emit("market.tick")
    for socket in others:
        assert (await socket.receive_json_from(timeout=5))["id"] == event_id
        await socket.disconnect()
    assert (await broken.receive_output(timeout=5)) == {"type": "websocket.close", "code": 1011}
    assert broken_consumer not in public_fanout.sockets
