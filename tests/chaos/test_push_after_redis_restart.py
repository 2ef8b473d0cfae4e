"""Redis restarting empty takes every channel-layer group membership with it. An agent's
events socket must not stay open and deaf afterwards: pushes of its own groups and of the
shared ones (`public`, `capability.*`) reach it again, live or by the catch-up of a
reconnect, each event once."""

import queue
import threading
import time

import pytest
from channels.layers import channel_layers
from django.db import transaction

from marketplace.agents.client import CONNECTED, Client
from marketplace.core.models import OutboxEvent
from marketplace.providers.models import Provider
from marketplace.realtime.events import PUBLIC, capability_group, publish, user_group
from marketplace.wallets.models import Wallet
from tests import stack

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def layer_on(settings):
    """Point this process's channel layer (its pushes after commit) at another Redis."""

    def use(url: str) -> None:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url]},
            }
        }
        channel_layers.backends.clear()

    yield use
    channel_layers.backends.clear()


def emit(groups: list[str], note: str) -> int:
    with transaction.atomic():
        publish(groups, "test.note", {"note": note})
    return OutboxEvent.objects.latest("id").pk


def heard(listener, wanted: set[int], timeout: float = 20) -> list[int]:
    """Ids of test events the listener receives until it has `wanted` (or time is up)."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while not wanted <= set(seen) and time.monotonic() < deadline:
        try:
            event = listener.events.get(timeout=0.2)
        except queue.Empty:
            continue
        if event["type"] == "test.note":
            seen.append(event["id"])
    return seen


def test_an_agent_hears_its_groups_again_after_redis_restarts_empty(alice, tmp_path, layer_on):
    wallet, _ = Wallet.objects.get_or_create(public_key=alice.public_key)
    Provider.objects.create(wallet=wallet, name="alice compute", capabilities=["cpu"])
    groups = [[PUBLIC], [capability_group("cpu")], [user_group(alice.public_key)]]
    stop = threading.Event()
    with stack.redis_server("restart-redis", tmp_path) as redis:
        layer_on(redis.url)
        env = {"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url}
        with stack.web_server("restart-web", **env) as url:
            listener = Client(url, alice).listen(stop=stop)
            try:
                assert listener.events.get(timeout=20)["type"] == CONNECTED
                before = {emit(group, "before") for group in groups}
                assert sorted(heard(listener, before)) == sorted(before)

                redis.restart()
                layer_on(redis.url)  # this process's pooled connections died with it
                time.sleep(3)  # the server notices the outage
                after = {emit(group, "after") for group in groups}
                got = heard(listener, after)
                assert sorted(got) == sorted(after), (got, after, listener.connections)
            finally:
                stop.set()
                listener.join(timeout=10)
