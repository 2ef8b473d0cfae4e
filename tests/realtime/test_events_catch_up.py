"""`/ws/events/?token=…&since=<event id>`: a client that lost pushes reconnects and first
hears, in order, the events of its groups it missed, then the live ones; nobody else's."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from marketplace.core.models import OutboxEvent
from marketplace.realtime.events import PUBLIC, publish, send_events, user_group
from polkamesh_web.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token(actions, alice):
    return actions.post("/api/auth/login", alice, "login", {}).json()["token"]


@sync_to_async
def emit(groups: list[str], type: str) -> int:
    with transaction.atomic():
        publish(groups, type, {"note": type})
    return OutboxEvent.objects.latest("id").pk


async def connect(token: str, since: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}&since={since}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def test_a_reconnecting_agent_hears_what_it_missed_in_order_then_live_events(
    token, alice, bob
):
    mine, bobs = [user_group(alice.public_key)], [user_group(bob.public_key)]
    last_seen = await emit(mine, "seen before")
    missed = [
        await emit(mine, "missed 1"),
        await emit(bobs, "bob's own"),
        await emit([PUBLIC], "missed 2"),
        await emit(mine, "missed 3"),
    ]

    communicator = await connect(token, last_seen)
    replayed = [await communicator.receive_json_from(timeout=5) for _ in range(3)]
    assert [(e["id"], e["type"]) for e in replayed] == [
        (missed[0], "missed 1"),
        (missed[2], "missed 2"),
        (missed[3], "missed 3"),
    ]
    assert replayed[0]["data"] == {"note": "missed 1"}
    live = await emit(mine, "live")
    assert (await communicator.receive_json_from(timeout=5))["id"] == live
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_an_event_both_replayed_and_pushed_late_is_heard_once(token, alice):
    mine = [user_group(alice.public_key)]
    last_seen = await emit(mine, "seen before")
    missed = await emit(mine, "missed")

    communicator = await connect(token, last_seen)
    assert (await communicator.receive_json_from(timeout=5))["id"] == missed
    late = await sync_to_async(OutboxEvent.objects.get)(pk=missed)
    await send_events([late])
    live = await emit(mine, "live")
    assert (await communicator.receive_json_from(timeout=5))["id"] == live
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_without_since_nothing_is_replayed(token, alice):
    await emit([user_group(alice.public_key)], "before the socket")
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.parametrize("since", ["-1", "x", str(2**63)], ids=["negative", "word", "too big"])
async def test_a_since_that_is_not_an_event_id_closes_the_socket(token, since):
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}&since={since}")
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4400)
