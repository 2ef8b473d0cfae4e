"""Batch settlement: sealed intents open at close and settle in one transaction."""

import pytest

from marketplace.core.models import OutboxEvent
from marketplace.intents.clearing import amm_out
from marketplace.intents.models import Batch, Intent
from tests.conftest import DOT, USDT, balance
from tests.intents.support import RESERVE_DOT, RESERVE_USDT, pool_balances

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(fund, alice, bob, carol):
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 1_000 * USDT, "USDT")
    fund(carol, 100 * DOT, "DOT")


def test_two_opposite_intents_match_each_other_at_one_price(trader, funded, alice, bob):
    sell_dot = trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 49 * USDT)
    sell_usdt = trader.intent(bob, "USDT", "DOT", 60 * USDT, 50 * USDT, 9 * DOT)

    assert trader.settle()

    # Both flows cross inside the pool's fee band: they trade with each other at
    # 5 USDT/DOT and the pool is not touched.
    assert (balance(alice, "DOT"), balance(alice, "USDT")) == (90 * DOT, 50 * USDT)
    assert (balance(bob, "DOT"), balance(bob, "USDT")) == (10 * DOT, 950 * USDT)
    assert pool_balances() == (RESERVE_DOT, RESERVE_USDT)
    assert Intent.objects.get(pk=sell_dot).amount_out == 50 * USDT
    assert Intent.objects.get(pk=sell_usdt).amount_out == 10 * DOT
    pair = trader.actions.client.get(f"/api/batches/{trader.epoch['batch_id']}").json()["pairs"]
    assert pair == [
        {
            "token_in": "DOT",
            "token_out": "USDT",
            "clearing_price": "1/2000",
            "price": "5",
            "fee_bps": 30,
            "executed": 2,
            "dropped": 0,
            "volume_in": {"DOT": str(10 * DOT), "USDT": str(50 * USDT)},
            "volume_out": {"DOT": str(10 * DOT), "USDT": str(50 * USDT)},
            "pool_leg": None,
            "reserves_before": {"DOT": str(RESERVE_DOT), "USDT": str(RESERVE_USDT)},
            "reserves_after": {"DOT": str(RESERVE_DOT), "USDT": str(RESERVE_USDT)},
        }
    ]


def test_a_one_sided_batch_trades_once_against_the_pool(trader, funded, alice):
    intent = trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    trader.settle()

    out = amm_out(10 * DOT, RESERVE_DOT, RESERVE_USDT, 30)
    assert out == 49_800_349  # 49.800349 USDT: 5 USDT/DOT less the fee and the price impact
    assert (balance(alice, "DOT"), balance(alice, "USDT")) == (90 * DOT, out)
    assert pool_balances() == (RESERVE_DOT + 10 * DOT, RESERVE_USDT - out)
    assert Intent.objects.get(pk=intent).status == "executed"
    pair = Batch.objects.get(pk=trader.epoch["batch_id"]).pairs.get()
    assert (pair.leg_token_in, pair.leg_amount_in, pair.leg_amount_out) == ("DOT", 10 * DOT, out)


def test_the_unused_part_of_the_lock_returns(trader, funded, alice):
    trader.intent(alice, "DOT", "USDT", 50 * DOT, 10 * DOT, 45 * USDT)

    trader.settle()

    assert balance(alice, "DOT") == 90 * DOT


def test_an_impossible_min_output_is_dropped_and_its_lock_returned(trader, funded, alice, carol):
    greedy = trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 60 * USDT)
    fair = trader.intent(carol, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    trader.settle()

    assert Intent.objects.get(pk=greedy).status == "dropped"
    assert Intent.objects.get(pk=greedy).amount_out == 0
    assert (balance(alice, "DOT"), balance(alice, "USDT")) == (100 * DOT, 0)
    assert Intent.objects.get(pk=fair).status == "executed"
    assert balance(carol, "USDT") == amm_out(10 * DOT, RESERVE_DOT, RESERVE_USDT, 30)


def test_a_malformed_sealed_box_is_invalid_while_the_rest_settle(trader, funded, alice, carol):
    garbage = "A" * 120  # valid base64 of 90 bytes, but no sealed box to the epoch key
    bad = trader.intent(alice, "DOT", "USDT", 10 * DOT, 0, 0, sealed=garbage)
    good = trader.intent(carol, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    trader.settle()

    assert Intent.objects.get(pk=bad).status == "invalid"
    assert Intent.objects.get(pk=bad).reason == "undecryptable"
    assert balance(alice, "DOT") == 100 * DOT
    assert Intent.objects.get(pk=good).status == "executed"


@pytest.mark.parametrize(
    ("amount_in", "min_output", "reason"),
    [
        (20 * DOT, 45 * USDT, "above_lock"),
        (0, 45 * USDT, "bad_amount"),
        (10 * DOT, 0, "bad_min_output"),
        ("1.5", 45 * USDT, "bad_payload"),
        (-1, 45 * USDT, "bad_payload"),
    ],
)
def test_an_intent_that_breaks_a_rule_is_invalid(
    trader, funded, alice, amount_in, min_output, reason
):
    from tests.intents.support import seal

    sealed = seal(trader.epoch["public_key"], amount_in, min_output)
    intent = trader.intent(alice, "DOT", "USDT", 10 * DOT, 0, 0, sealed=sealed)

    trader.settle()

    assert (Intent.objects.get(pk=intent).status, Intent.objects.get(pk=intent).reason) == (
        "invalid",
        reason,
    )
    assert balance(alice, "DOT") == 100 * DOT


def test_amounts_may_be_sealed_as_json_integers(trader, funded, alice):
    from tests.intents.support import seal

    sealed = seal(trader.epoch["public_key"], 10 * DOT, 45 * USDT)
    intent = trader.intent(alice, "DOT", "USDT", 10 * DOT, 0, 0, sealed=sealed)

    trader.settle()

    assert Intent.objects.get(pk=intent).status == "executed"


def test_settling_twice_moves_nothing_twice(trader, funded, alice, bob):
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 49 * USDT)
    trader.intent(bob, "USDT", "DOT", 60 * USDT, 50 * USDT, 9 * DOT)

    assert trader.settle() is True
    assert trader.settle() is False

    assert (balance(alice, "DOT"), balance(alice, "USDT")) == (90 * DOT, 50 * USDT)
    assert (balance(bob, "DOT"), balance(bob, "USDT")) == (10 * DOT, 950 * USDT)


def test_an_empty_batch_settles_and_the_next_epoch_opens(trader, api):
    assert trader.settle()

    batch = api.get(f"/api/batches/{trader.epoch['batch_id']}").json()
    assert (batch["status"], batch["pairs"]) == ("settled", [])
    assert api.get("/api/intents/epoch").json()["batch_id"] != trader.epoch["batch_id"]


def test_the_submitter_and_everyone_hear_the_outcome(trader, funded, alice):
    from marketplace.realtime.events import PUBLIC, user_group

    intent = trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    trader.settle()

    status = OutboxEvent.objects.get(type="intent.status")
    assert status.groups == [user_group(alice.public_key)]
    assert (status.data["id"], status.data["status"]) == (intent, "executed")
    settled = OutboxEvent.objects.get(type="batch.settled")
    assert settled.groups == [PUBLIC]
    assert settled.data["id"] == trader.epoch["batch_id"]
    assert settled.data["intents"] == {"executed": 1, "dropped": 0, "invalid": 0}
    balance_event = OutboxEvent.objects.filter(type="balance").last()
    assert balance_event.groups == [user_group(alice.public_key)]


def test_a_failed_clearing_invariant_settles_nothing(trader, funded, alice, monkeypatch, caplog):
    from marketplace.intents import sealing, services
    from marketplace.intents.clearing import ClearingInvariantError

    trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    def broken(intents, pools):
        raise ClearingInvariantError("value not conserved")

    monkeypatch.setattr(sealing, "clear", broken)
    from tests.intents.support import close_window

    close_window(trader.epoch["batch_id"])
    assert services.settle_due_batches() == 0

    assert Batch.objects.get(pk=trader.epoch["batch_id"]).status == "open"
    assert Intent.objects.get().status == "sealed"
    assert balance(alice, "DOT") == 90 * DOT
    assert "did not settle" in caplog.text


def test_the_beat_settles_only_batches_whose_window_closed(trader, funded, alice):
    from marketplace.intents.tasks import settle_due_batches
    from tests.intents.support import close_window

    trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)
    assert settle_due_batches() == 0
    close_window(trader.epoch["batch_id"])

    assert settle_due_batches() == 1
    assert Intent.objects.get().status == "executed"


def test_staff_can_close_and_settle_a_batch_from_the_admin(trader, funded, alice, admin_client):
    trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)

    response = admin_client.post(
        "/admin/intents/batch/",
        {"action": "close_and_settle_now", "_selected_action": [trader.epoch["batch_id"]]},
    )

    assert response.status_code == 302
    assert Batch.objects.get(pk=trader.epoch["batch_id"]).status == "settled"
    assert Intent.objects.get().status == "executed"
    page = admin_client.get(f"/admin/intents/batch/{trader.epoch['batch_id']}/change/")
    assert page.status_code == 200
