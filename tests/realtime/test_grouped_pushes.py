"""The events of one commit are pushed per group: one channel-layer message carries a
group's events in order (a few hundred at most), so a sweep's thousands of events to one
wallet are a handful of messages. Each socket still hears every event of its groups once,
one frame per event, in commit order."""

from collections import Counter

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction

from marketplace.core.models import OutboxEvent
from marketplace.realtime import live
from marketplace.realtime.events import (
    EVENTS_PER_MESSAGE,
    PUBLIC,
    capability_group,
    group_batches,
    publish_many,
    user_group,
)
from polkamesh_web.asgi import application

ALICE, BOB, CPU = user_group("a"), user_group("b"), capability_group("cpu")


def outbox(*groups: list[str]) -> list[OutboxEvent]:
    return [OutboxEvent(pk=pk, groups=list(g), type="t", data={}) for pk, g in enumerate(groups, 1)]


def sent(events: list[OutboxEvent]) -> list[tuple[str, list[int]]]:
    return [(group, [i["event"]["id"] for i in items]) for group, items in group_batches(events)]


def heard(channel_groups: set[str], events: list[OutboxEvent]) -> list[int]:
    """What a channel in `channel_groups` hears of the messages, in order, each once."""
    ids: list[int] = []
    for group, items in group_batches(events):
        if group in channel_groups:
            ids += [i["event"]["id"] for i in items if i["event"]["id"] not in ids]
    return ids


def test_a_wallet_s_events_are_one_message_per_chunk_in_order():
    events = outbox(*[[ALICE]] * (2 * EVENTS_PER_MESSAGE + 1))
    assert sent(events) == [
        (ALICE, list(range(1, EVENTS_PER_MESSAGE + 1))),
        (ALICE, list(range(EVENTS_PER_MESSAGE + 1, 2 * EVENTS_PER_MESSAGE + 1))),
        (ALICE, [2 * EVENTS_PER_MESSAGE + 1]),
    ]


def test_interleaved_wallets_are_one_message_each_and_a_group_named_twice_hears_it_once():
    events = outbox([ALICE, BOB], [BOB], [ALICE], [ALICE, ALICE])
    assert sent(events) == [(ALICE, [1, 3, 4]), (BOB, [1, 2])]


def test_a_shared_event_between_a_wallet_s_events_starts_new_messages_so_order_holds():
    events = outbox([ALICE], [PUBLIC], [ALICE], [CPU], [PUBLIC, ALICE], [BOB], [PUBLIC])
    assert sent(events) == [
        (ALICE, [1]),
        (PUBLIC, [2]),
        (ALICE, [3]),
        (CPU, [4]),
        (PUBLIC, [5]),
        (ALICE, [5]),
        (BOB, [6]),  # after the shared messages: bob's first
        (PUBLIC, [7]),
    ]
    for channel in ({ALICE, PUBLIC, CPU}, {PUBLIC, CPU}, {BOB, PUBLIC}, {ALICE}):
        expected = [e.pk for e in events if channel & set(e.groups)]
        assert heard(channel, events) == expected, channel


def test_any_channel_hears_a_long_mixed_batch_in_commit_order():
    groups = [[ALICE], [BOB], [ALICE, BOB], [PUBLIC], [CPU], [PUBLIC, CPU], [CPU, BOB]]
    events = outbox(*(groups[(i * i + 3 * i) % len(groups)] for i in range(1500)))
    for channel in ({ALICE}, {BOB}, {ALICE, PUBLIC}, {BOB, PUBLIC, CPU}, {PUBLIC, CPU}):
        assert heard(channel, events) == [e.pk for e in events if channel & set(e.groups)]
    assert len(group_batches(events)) < 2 * len(events)  # never more than one per group


# --- through the channel layer to real sockets --------------------------------------------


@pytest.fixture
def group_sends(monkeypatch) -> Counter:
    """The channel-layer messages sent, counted per group."""
    layer = get_channel_layer()
    real = layer.group_send
    counts: Counter = Counter()

    async def counting(group, message):
        counts[group] += 1
        await real(group, message)

    monkeypatch.setattr(layer, "group_send", counting)
    return counts


@sync_to_async
def commit(events: list[tuple[list[str], str, dict]]) -> list[OutboxEvent]:
    with transaction.atomic():
        publish_many(events)
    return list(OutboxEvent.objects.order_by("-id")[: len(events)])[::-1]


async def connect(actions, who) -> WebsocketCommunicator:
    login = await sync_to_async(actions.post)("/api/auth/login", who, "login", {})
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={login.json()['token']}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def frames(communicator: WebsocketCommunicator, count: int) -> list[dict]:
    got = [await communicator.receive_json_from(timeout=10) for _ in range(count)]
    assert await communicator.receive_nothing(timeout=0.5)
    return got


@pytest.mark.django_db(transaction=True)
async def test_a_thousand_events_to_one_wallet_are_a_few_messages_and_each_one_frame(
    actions, alice, group_sends
):
    socket = await connect(actions, alice)
    mine = user_group(alice.public_key)
    events = await commit([([mine], "job.status", {"n": n}) for n in range(1000)])

    got = await frames(socket, len(events))
    assert got == [
        {"id": e.pk, "type": "job.status", "data": {"n": n}} for n, e in enumerate(events)
    ]
    assert group_sends[mine] == 1000 // EVENTS_PER_MESSAGE
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_in_a_mixed_batch_each_socket_hears_each_of_its_events_once_in_order(
    actions, alice, bob, group_sends
):
    alice_socket, bob_socket = await connect(actions, alice), await connect(actions, bob)
    a, b = user_group(alice.public_key), user_group(bob.public_key)
    kinds = [[a], [b], [a, b], [a], [b, a], [PUBLIC], [PUBLIC, a]]
    events = await commit([(kinds[n % 7], f"kind.{n % 7}", {"n": n}) for n in range(70)])

    for socket, wallet in ((alice_socket, a), (bob_socket, b)):
        mine = [e for e in events if wallet in e.groups or PUBLIC in e.groups]
        got = await frames(socket, len(mine))
        assert sorted(g["id"] for g in got) == [e.pk for e in mine]  # each once
        # The socket's own channel and the process's fan-out of `public` each keep
        # commit order (as before, one does not wait for the other).
        for public in (False, True):
            path = [e for e in mine if (PUBLIC in e.groups) is public]
            ids = {e.pk for e in path}
            assert [g for g in got if g["id"] in ids] == [
                {"id": e.pk, "type": e.type, "data": e.data} for e in path
            ]
        await socket.disconnect()
    # A public event (once per round of 7) starts a new message of each wallet's.
    assert (group_sends[a], group_sends[b], group_sends[PUBLIC]) == (11, 10, 10)


@pytest.mark.django_db(transaction=True)
async def test_a_page_hears_a_fragment_for_each_event_of_a_batch(
    client, actions, alice, monkeypatch
):
    monkeypatch.setitem(live._renderers, "test.note", [lambda wallet, data: f"<i>{data['n']}</i>"])
    actions.client = client  # the test client keeps the session cookie
    await sync_to_async(actions.post)("/api/auth/login", alice, "login", {})
    page = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ],
    )
    assert (await page.connect())[0]
    await commit([([user_group(alice.public_key)], "test.note", {"n": n}) for n in range(300)])
    assert [await page.receive_from(timeout=10) for _ in range(300)] == [
        f"<i>{n}</i>" for n in range(300)
    ]
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()
