"""cancel_intent: only the owner, only while the batch accepts intents."""

import pytest

from marketplace.intents.models import Intent
from tests.conftest import DOT, USDT, balance
from tests.intents.support import close_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def intent(trader, fund, alice) -> int:
    fund(alice, 100 * DOT, "DOT")
    return trader.intent(alice, "DOT", "USDT", 30 * DOT, 10 * DOT, 45 * USDT)


def cancel(trader, signer, intent_id):
    return trader.actions.post(
        f"/api/intents/{intent_id}/cancel", signer, "cancel_intent", {"intent_id": intent_id}
    )


def test_cancelling_before_close_returns_the_lock_and_wipes_the_sealed_box(trader, intent, alice):
    response = cancel(trader, alice, intent)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert balance(alice, "DOT") == 100 * DOT
    assert Intent.objects.get(pk=intent).sealed_intent == ""


def test_a_cancelled_intent_is_left_out_of_the_settlement(trader, intent, alice):
    cancel(trader, alice, intent)

    trader.settle()

    assert Intent.objects.get(pk=intent).status == "cancelled"
    assert (balance(alice, "DOT"), balance(alice, "USDT")) == (100 * DOT, 0)


def test_only_the_owner_may_cancel(trader, intent, mallory, alice):
    response = cancel(trader, mallory, intent)

    assert response.status_code == 403
    assert balance(alice, "DOT") == 70 * DOT


def test_cancelling_after_the_window_closed_is_refused(trader, intent, alice):
    close_window(trader.epoch["batch_id"])

    response = cancel(trader, alice, intent)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "window_closed"
    assert balance(alice, "DOT") == 70 * DOT


def test_cancelling_a_settled_intent_is_refused(trader, intent, alice):
    trader.settle()

    response = cancel(trader, alice, intent)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert Intent.objects.get(pk=intent).status == "executed"


def test_cancelling_twice_is_refused(trader, intent, alice):
    cancel(trader, alice, intent)

    response = cancel(trader, alice, intent)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert balance(alice, "DOT") == 100 * DOT


def test_the_url_id_must_match_the_params(trader, intent, alice):
    response = trader.actions.post(
        f"/api/intents/{intent}/cancel", alice, "cancel_intent", {"intent_id": intent + 1}
    )

    assert response.status_code == 400


def test_an_unknown_intent_is_not_found(trader, alice):
    assert cancel(trader, alice, 999).status_code == 404
