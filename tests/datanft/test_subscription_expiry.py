import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from marketplace.core.models import OutboxEvent
from marketplace.datanft import services
from marketplace.datanft.models import Subscription
from polkamesh_web.asgi import application
from tests.conftest import DOT
from tests.datanft.conftest import later


@pytest.fixture
def subscribed(nft, subscribe, alice, bob, fund):
    """alice subscribed for 1 h, bob for 3 h."""
    fund(alice, DOT)
    fund(bob, DOT)
    subscribe(alice, nft["id"], 1)
    subscribe(bob, nft["id"], 3)
    return nft


def statuses() -> dict[str, str]:
    return {s.subscriber.public_key: s.status for s in Subscription.objects.all()}


@pytest.mark.django_db
def test_the_sweep_marks_only_ended_subscriptions_expired(subscribed, alice, bob):
    assert services.expire_subscriptions() == 0
    with later(hours=1, seconds=1):
        assert services.expire_subscriptions() == 1
    assert statuses() == {alice.public_key: "expired", bob.public_key: "active"}


@pytest.mark.django_db
def test_the_sweep_is_idempotent(subscribed, alice):
    with later(hours=2):
        assert services.expire_subscriptions() == 1
        assert services.expire_subscriptions() == 0
    events = OutboxEvent.objects.filter(type="subscription.expired")
    assert events.count() == 1
    assert events.get().groups == [f"user.{alice.public_key}"]


@pytest.mark.django_db
def test_a_renewal_after_expiry_reactivates_the_subscription(subscribed, subscribe, alice, bob):
    from tests.datanft.conftest import stamp

    with later(hours=2):
        services.expire_subscriptions()
        assert subscribe(alice, subscribed["id"], 1, issued_at=stamp()).status_code == 200
        assert statuses()[alice.public_key] == "active"
        assert services.expire_subscriptions() == 0


@pytest.mark.django_db
def test_the_celery_task_runs_the_sweep(subscribed):
    from marketplace.datanft.tasks import expire_subscriptions

    with later(hours=4):
        assert expire_subscriptions.apply().get() == 2


def test_the_beat_runs_the_sweep_every_sweep_interval():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["expire-subscriptions"]
    assert entry == {
        "task": "marketplace.datanft.tasks.expire_subscriptions",
        "schedule": settings.PM_SWEEP_INTERVAL_SECONDS,
    }


@pytest.fixture
def alice_token(actions, alice):
    return actions.post("/api/auth/login", alice, "login", {}).json()["token"]


@pytest.mark.django_db(transaction=True)
async def test_the_subscriber_hears_subscription_expired_on_its_socket(subscribed, alice_token):
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={alice_token}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    with later(hours=1, seconds=1) as now:
        assert await sync_to_async(services.expire_subscriptions)() == 1
    event = await communicator.receive_json_from(timeout=5)
    assert event["type"] == "subscription.expired"
    assert event["data"]["nft_id"] == subscribed["id"]
    assert event["data"]["name"] == subscribed["name"]
    assert event["data"]["expired_at"] < now.isoformat()
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
