"""Events reach agents over /ws/events/ only after commit."""

import pytest
from channels.testing import WebsocketCommunicator

from polkamesh_web.asgi import application
from tests.conftest import DOT


@pytest.fixture
def token(actions, alice):
    return actions.post("/api/auth/login", alice, "login", {}).json()["token"]


async def connect(token: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_an_agent_hears_its_balance_change_after_the_faucet_commits(token, alice):
    from asgiref.sync import sync_to_async
    from rest_framework.test import APIClient

    from tests.conftest import Actions

    communicator = await connect(token)
    await sync_to_async(Actions(APIClient()).post)(
        "/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(DOT)}
    )
    event = await communicator.receive_json_from(timeout=5)
    assert event["type"] == "balance"
    dot = next(b for b in event["data"]["balances"] if b["asset"] == "DOT")
    assert dot["available"] == str(DOT)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_without_a_valid_token_is_closed():
    communicator = WebsocketCommunicator(application, "/ws/events/?token=bogus")
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_transaction_is_never_sent(alice):
    from django.db import transaction

    from marketplace.core.models import OutboxEvent
    from marketplace.realtime.events import publish, user_group

    with pytest.raises(RuntimeError), transaction.atomic():
        publish([user_group(alice.public_key)], "balance", {})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_events_of_a_rolled_back_savepoint_are_not_pushed_but_their_siblings_are(
    token, alice
):
    from asgiref.sync import sync_to_async
    from django.db import transaction

    from marketplace.realtime.events import publish, user_group

    group = [user_group(alice.public_key)]

    def change():
        with transaction.atomic():
            publish(group, "first", {})
            try:
                with transaction.atomic():
                    publish(group, "undone", {})
                    raise RuntimeError("the inner step failed")
            except RuntimeError:
                pass
            publish(group, "second", {})

    communicator = await connect(token)
    await sync_to_async(change)()
    received = [(await communicator.receive_json_from(timeout=5))["type"] for _ in range(2)]
    assert received == ["first", "second"]
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_is_closed_at_its_maximum_age_before_its_groups_expire(token, settings):
    settings.PM_WEBSOCKET_MAX_AGE_SECONDS = 1
    communicator = await connect(token)
    closed = await communicator.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    await communicator.wait()
