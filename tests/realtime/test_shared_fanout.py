"""The shared groups of `/ws/events/` (`public`, `capability.*`) are fanned out by the
web process: one group member per process, each event encoded once and written to every
socket of the group — once each, in the documented shape, never twice to a socket that
also had it replayed or is in two of the event's groups, and never to a socket outside
the group."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction

from marketplace.core.models import OutboxEvent
from marketplace.realtime import fanout
from marketplace.realtime.events import (
    PUBLIC,
    capability_group,
    publish,
    send_events,
    user_group,
)
from marketplace.realtime.fanout import shared_fanout
from polkamesh_web.asgi import application
from tests.conftest import DOT
from tests.jobs.market import register

pytestmark = pytest.mark.django_db(transaction=True)

CPU = capability_group("cpu")


@sync_to_async
def emit(type: str, groups: tuple[str, ...] = (PUBLIC,)) -> int:
    with transaction.atomic():
        publish(list(groups), type, {"note": type})
    return OutboxEvent.objects.latest("id").pk


async def connect(token: str, since: int | None = None) -> WebsocketCommunicator:
    query = f"token={token}" + (f"&since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application, f"/ws/events/?{query}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


def public_sockets() -> set:
    """The sockets of this process that the fan-out writes public events to."""
    return shared_fanout.members.get(PUBLIC, set())


async def member_names(group: str = PUBLIC) -> set[str]:
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return set(layer.groups.get(group, {}))
    redis = layer.connection(layer.consistent_hash(group))
    return {name.decode() for name in await redis.zrange(layer._group_key(group), 0, -1)}


async def members(group: str = PUBLIC) -> int:
    return len(await member_names(group))


@pytest.fixture
def tokens(actions, alice, bob, carol):
    return [
        actions.post("/api/auth/login", who, "login", {}).json()["token"]
        for who in (alice, bob, carol)
    ]


async def test_a_public_event_reaches_every_socket_once_through_one_group_member(tokens):
    first = await connect(tokens[0])
    before = await members()
    sockets = [first, *[await connect(token) for token in tokens[1:]]]
    assert await members() == before  # the process is the member, not each socket
    assert len(public_sockets()) == 3

    event_id = await emit("market.tick")
    for socket in sockets:
        heard = await socket.receive_json_from(timeout=5)
        assert heard == {"id": event_id, "type": "market.tick", "data": {"note": "market.tick"}}
        assert await socket.receive_nothing(timeout=0.3)

    await sockets[0].disconnect()
    assert len(public_sockets()) == 2
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
    await send_events([late])
    live = await emit("live")
    assert (await socket.receive_json_from(timeout=5))["id"] == live
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_sockets_connecting_at_once_share_one_subscription(tokens):
    before = await members()
    sockets = await asyncio.gather(*(connect(token) for token in tokens))
    assert await members() <= before + 1

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
        c for c in public_sockets() if c.scope["query_string"].endswith(tokens[0].encode())
    ]

    async def fails(event_id, text):
        raise ConnectionError("the transport is gone")

    monkeypatch.setattr(broken_consumer, "push_shared", fails)
    event_id = await emit("market.tick")
    for socket in others:
        assert (await socket.receive_json_from(timeout=5))["id"] == event_id
        await socket.disconnect()
    assert (await broken.receive_output(timeout=5)) == {"type": "websocket.close", "code": 1011}
    assert broken_consumer not in public_sockets()


@pytest.fixture
def cpu_providers(actions, alice, bob, carol, fund):
    """Tokens of two CPU providers (bob, carol) and of alice, who provides nothing."""
    for who in (bob, carol):
        fund(who, 1000 * DOT)
        register(actions, who, capabilities=("cpu",))
    return [
        actions.post("/api/auth/login", who, "login", {}).json()["token"]
        for who in (alice, bob, carol)
    ]


async def test_a_capability_event_reaches_each_provider_socket_once_and_nobody_else(
    cpu_providers,
):
    alice_socket = await connect(cpu_providers[0])
    before = await members(CPU)
    provider_sockets = [await connect(token) for token in cpu_providers[1:]]
    assert await members(CPU) <= before + 1  # the process is the member, not each socket

    event_id = await emit("job.opened", (CPU,))
    for socket in provider_sockets:
        heard = await socket.receive_json_from(timeout=5)
        assert heard == {"id": event_id, "type": "job.opened", "data": {"note": "job.opened"}}
        assert await socket.receive_nothing(timeout=0.3)
    assert await alice_socket.receive_nothing(timeout=0.3)

    await provider_sockets[0].disconnect()
    after = await emit("job.opened", (CPU,))
    assert (await provider_sockets[1].receive_json_from(timeout=5))["id"] == after
    for socket in (alice_socket, provider_sockets[1]):
        await socket.disconnect()


async def test_an_event_of_two_shared_groups_is_heard_once_by_a_socket_in_both(cpu_providers):
    alice_socket, bob_socket = [await connect(token) for token in cpu_providers[:2]]
    event_id = await emit("market.and.cpu", (PUBLIC, CPU))
    for socket in (alice_socket, bob_socket):  # alice in public only, bob in both
        assert (await socket.receive_json_from(timeout=5))["id"] == event_id
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()


async def test_a_capability_event_committed_while_away_is_replayed_with_since(cpu_providers):
    last_seen = await emit("seen before", (CPU,))
    missed = await emit("job.opened", (CPU,))
    socket = await connect(cpu_providers[1], since=last_seen)
    assert (await socket.receive_json_from(timeout=5))["id"] == missed
    live = await emit("job.opened", (CPU,))
    assert (await socket.receive_json_from(timeout=5))["id"] == live
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


def test_a_new_event_loop_takes_the_old_loops_channel_out_of_the_groups():
    class Listener:  # as much of a consumer as the fan-out uses
        async def push_shared(self, event_id, text):
            pass

    async def join() -> str:
        await shared_fanout.register(Listener(), [PUBLIC, CPU])
        return shared_fanout._channel

    old, new = asyncio.run(join()), asyncio.run(join())  # a server restarts its loop
    for group in (PUBLIC, CPU):
        names = asyncio.run(member_names(group))
        assert new in names and old not in names


async def joined_at(group: str, channel: str) -> float:
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return layer.groups[group][channel]
    redis = layer.connection(layer.consistent_hash(group))
    return await redis.zscore(layer._group_key(group), channel)


async def test_the_process_renews_its_memberships_while_its_sockets_stay(tokens, monkeypatch):
    # channels-redis drops a member a day after it joined: sockets that stay longer
    # than that, with nobody connecting, must not leave the process deaf.
    monkeypatch.setattr(fanout, "REJOIN_SECONDS", 0.3)
    socket = await connect(tokens[0])
    channel = shared_fanout._channel
    first = await joined_at(PUBLIC, channel)
    await asyncio.sleep(1.2)
    assert await joined_at(PUBLIC, channel) > first + 0.5
    event_id = await emit("still heard")
    assert (await socket.receive_json_from(timeout=5))["id"] == event_id
    await socket.disconnect()


async def test_an_event_of_a_shared_group_and_a_socket_s_own_is_heard_once(tokens, alice, bob):
    alice_socket, bob_socket = await connect(tokens[0]), await connect(tokens[1])
    event_id = await emit("public and alice's", (PUBLIC, user_group(alice.public_key)))
    for socket in (alice_socket, bob_socket):  # alice through both, bob through public
        assert (await socket.receive_json_from(timeout=5))["id"] == event_id
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
