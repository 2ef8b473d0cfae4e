"""Epochs: a public key to seal to; the private key only after settlement."""

import pytest
from nacl.public import PrivateKey

from marketplace.intents.models import Batch

pytestmark = pytest.mark.django_db


def test_the_epoch_opens_on_demand_and_stays_the_same_until_it_closes(api, db):
    first = api.get("/api/intents/epoch").json()

    assert len(bytes.fromhex(first["public_key"])) == 32
    assert api.get("/api/intents/epoch").json() == first
    assert Batch.objects.count() == 1


def test_the_secret_key_is_not_exposed_before_settlement(api, epoch):
    batch = api.get(f"/api/batches/{epoch['batch_id']}").json()

    assert batch["secret_key"] is None
    assert batch["status"] == "open"
    stored = Batch.objects.get(pk=epoch["batch_id"])
    assert stored.secret_key == ""
    # At rest only in a SecretBox: the raw key bytes appear nowhere in the row.
    assert epoch["public_key"] not in bytes(stored.sealed_secret_key).hex()


def test_the_secret_key_is_published_at_settlement_and_opens_the_epoch(api, trader):
    trader.settle()

    batch = api.get(f"/api/batches/{trader.epoch['batch_id']}").json()

    assert batch["status"] == "settled"
    assert batch["closed_at"] is not None
    key = PrivateKey(bytes.fromhex(batch["secret_key"]))
    assert bytes(key.public_key).hex() == trader.epoch["public_key"]
    assert batch["verify"] == f"manage.py verify_batch {trader.epoch['batch_id']}"


def test_a_batch_closed_early_is_followed_by_a_new_epoch(api, trader):
    trader.settle()

    following = api.get("/api/intents/epoch").json()

    assert following["batch_id"] != trader.epoch["batch_id"]
    assert following["public_key"] != trader.epoch["public_key"]


def test_a_batch_past_its_window_shows_as_closing(api, epoch):
    from tests.intents.support import close_window

    close_window(epoch["batch_id"])

    assert api.get(f"/api/batches/{epoch['batch_id']}").json()["status"] == "closing"


def test_batches_are_listed_newest_first_with_stats(api, trader, fund, alice):
    from tests.conftest import DOT, USDT

    fund(alice, 100 * DOT, "DOT")
    trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)
    trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 60 * USDT)
    trader.settle()
    api.get("/api/intents/epoch")

    listing = api.get("/api/batches").json()
    stats = api.get("/api/batches/stats").json()

    assert listing["count"] == 2
    assert listing["results"][1]["id"] == trader.epoch["batch_id"]
    assert stats == {
        "batches": 1,
        "intents_executed": 1,
        "intents_dropped": 1,
        "volume": {"DOT": str(10 * DOT)},
        # Received 49.800349 USDT where a sandwich would have left its minimum, 45.
        "mev_saved": {"USDT": str(49_800_349 - 45 * USDT)},
    }


def test_when_the_window_closes_the_next_epoch_opens_while_the_last_awaits_settlement(api, epoch):
    from tests.intents.support import close_window

    close_window(epoch["batch_id"])

    following = api.get("/api/intents/epoch").json()

    assert following["batch_id"] != epoch["batch_id"]
    assert Batch.objects.filter(status="open").count() == 2
