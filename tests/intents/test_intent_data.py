"""`intent_data`, the `intent.status` events' payload, is `IntentSerializer`'s output (the
API's shape) written out: the same keys in the same order, the same values of the same
types, for intents in every status, routed and not, in any current time zone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.core.models import OutboxEvent
from marketplace.intents.models import Intent, IntentStatus
from marketplace.intents.serializers import IntentSerializer, intent_data
from tests.conftest import DOT, USDT

pytestmark = pytest.mark.django_db

KSM = 10**12


@pytest.fixture
def batch(trader, fund, alice, bob, pool) -> int:
    """A batch with intents that end in every status: executed, dropped, invalid, expired
    (direct and routed) and cancelled; all but the cancelled one sealed until it settles."""
    from marketplace.intents.services import seed_pool

    # No DOT/KSM pool: DOT ↔ KSM routes through USDT.
    seed_pool("KSM", "USDT", 5_000 * KSM, 100_000 * USDT, fee_bps=30, key="test:ksm")
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 100 * KSM, "KSM")
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 1)  # executed
    trader.intent(alice, "DOT", "KSM", 20 * DOT, 10 * DOT, 1)  # executed, routed
    trader.intent(bob, "KSM", "USDT", 10 * KSM, 5 * KSM, 10**30)  # dropped
    trader.intent(bob, "KSM", "DOT", 10 * KSM, 5 * KSM, 10**30)  # dropped, routed
    trader.intent(alice, "DOT", "USDT", 5 * DOT, 10 * DOT, 1)  # invalid: above its lock
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    expiring = trader.intent(alice, "DOT", "KSM", 5 * DOT, 5 * DOT, 1, expires_at=later)
    cancelled = trader.intent(bob, "KSM", "USDT", 10 * KSM, 5 * KSM, 1)
    response = trader.actions.post(
        f"/api/intents/{cancelled}/cancel", bob, "cancel_intent", {"intent_id": cancelled}
    )
    assert response.status_code == 200, response.content
    # The batch settles after this intent's expiry.
    Intent.objects.filter(pk=expiring).update(expires_at=timezone.now() - timedelta(seconds=1))
    return trader.epoch["batch_id"]


def typed(data) -> list[list[tuple]]:
    """Each item's keys in order, with each value and its type (a str enum member is
    equal to its value but is not a str)."""
    return [[(key, type(value), value) for key, value in item.items()] for item in data]


def stored(batch_id: int) -> list[Intent]:
    return list(Intent.objects.filter(batch_id=batch_id).select_related("wallet"))


def test_it_is_the_serializers_output_while_sealed_and_after_the_settlement(trader, batch):
    before = stored(batch)
    assert {i.status for i in before} == {IntentStatus.SEALED, IntentStatus.CANCELLED}
    assert typed(intent_data(before)) == typed(IntentSerializer(before, many=True).data)

    assert trader.settle()

    after = stored(batch)
    assert {(i.status, bool(i.via)) for i in after} == {
        (status, routed)
        for status in (IntentStatus.EXECUTED, IntentStatus.DROPPED)
        for routed in (False, True)
    } | {
        (IntentStatus.INVALID, False),
        (IntentStatus.EXPIRED, True),
        (IntentStatus.CANCELLED, False),
    }
    assert typed(intent_data(after)) == typed(IntentSerializer(after, many=True).data)


def test_the_settlements_status_events_are_the_serializers_output(trader, batch):
    assert trader.settle()

    settled = [i for i in stored(batch) if i.status != IntentStatus.CANCELLED]
    events = OutboxEvent.objects.filter(type="intent.status").order_by("id")
    announced = {event.data["id"]: event.data for event in events}
    assert [announced[i.pk] for i in settled] == IntentSerializer(settled, many=True).data


def test_dates_are_spelled_in_the_current_time_zone_as_the_serializer_does(trader, batch):
    assert trader.settle()

    with timezone.override("Asia/Kolkata"):
        data = intent_data(stored(batch))
        assert typed(data) == typed(IntentSerializer(stored(batch), many=True).data)
    assert data[0]["created_at"].endswith("+05:30")
    assert intent_data(stored(batch))[0]["created_at"].endswith("Z")
