"""submit_intent: the cover amount is locked and only a sealed box is kept."""

import base64

import pytest

from marketplace.intents.models import Intent
from marketplace.intents.services import settle_batch
from tests.conftest import DOT, USDT, balance
from tests.intents.support import close_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(fund, alice):
    fund(alice, 100 * DOT, "DOT")


def test_it_locks_the_cover_amount_and_keeps_only_the_sealed_box(trader, funded, alice):
    response = trader.submit(alice, "DOT", "USDT", 30 * DOT, 10 * DOT, 45 * USDT)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["batch_id"], body["lock_amount"]) == (
        "sealed",
        trader.epoch["batch_id"],
        str(30 * DOT),
    )
    assert (body["amount_in"], body["min_output"], body["amount_out"]) == (None, None, None)
    assert balance(alice, "DOT") == 70 * DOT
    intent = Intent.objects.get()
    assert str(10 * DOT) not in intent.sealed_intent


def test_the_owner_sees_a_sealed_intent_without_amounts_and_others_do_not_see_it(
    trader, funded, alice, mallory, api
):
    intent = trader.intent(alice, "DOT", "USDT", 30 * DOT, 10 * DOT, 45 * USDT)

    assert api.get(f"/api/intents/{intent}").status_code == 404
    token = trader.actions.post("/api/auth/login", alice, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    mine = api.get(f"/api/intents/{intent}").json()
    assert (mine["status"], mine["amount_in"], mine["min_output"]) == ("sealed", None, None)
    other = trader.actions.post("/api/auth/login", mallory, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert api.get(f"/api/intents/{intent}").status_code == 404


def test_everyone_sees_the_amounts_after_settlement(trader, funded, alice, api):
    intent = trader.intent(alice, "DOT", "USDT", 30 * DOT, 10 * DOT, 45 * USDT)
    trader.settle()

    body = api.get(f"/api/intents/{intent}").json()

    assert (body["status"], body["amount_in"], body["min_output"]) == (
        "executed",
        str(10 * DOT),
        str(45 * USDT),
    )
    assert int(body["amount_out"]) >= 45 * USDT


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"token_out": "DOT"}, "token_out"),
        ({"token_in": "BTC"}, "token_in"),
        ({"sealed_intent": "not base64!"}, "sealed_intent"),
        ({"sealed_intent": base64.b64encode(b"short").decode()}, "sealed_intent"),
        ({"sealed_intent": "A" * 4000}, "sealed_intent"),
        ({"lock_amount": "0"}, "lock_amount"),
        ({"lock_amount": 5}, "lock_amount"),
        ({"batch_id": "x"}, "batch_id"),
    ],
)
def test_it_rejects_bad_params(trader, funded, alice, change, field):
    params = {
        "batch_id": trader.epoch["batch_id"],
        "token_in": "DOT",
        "token_out": "USDT",
        "lock_amount": str(DOT),
        "sealed_intent": "A" * 120,
        **change,
    }

    response = trader.actions.post("/api/intents", alice, "submit_intent", params)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_params"
    assert field in response.json()["error"]["fields"]
    assert balance(alice, "DOT") == 100 * DOT


def test_it_rejects_a_pair_that_no_route_joins(trader, fund, alice):
    fund(alice, 100 * DOT, "DOT")  # KSM is an asset, but no pool holds it

    response = trader.submit(alice, "DOT", "KSM", DOT, DOT, 1)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"token_out": "no route from the asset sold"}
    assert balance(alice, "DOT") == 100 * DOT


def test_it_rejects_an_unknown_batch(trader, funded, alice):
    trader.epoch["batch_id"] += 1000

    response = trader.submit(alice, "DOT", "USDT", DOT, DOT, USDT)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_rejects_intents_for_a_batch_whose_window_closed(trader, funded, alice):
    close_window(trader.epoch["batch_id"])

    response = trader.submit(alice, "DOT", "USDT", DOT, DOT, USDT)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "window_closed"
    assert balance(alice, "DOT") == 100 * DOT


def test_it_rejects_intents_for_a_settled_batch(trader, funded, alice):
    settle_batch(trader.epoch["batch_id"])

    response = trader.submit(alice, "DOT", "USDT", DOT, DOT, USDT)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "window_closed"


def test_it_cannot_lock_more_than_the_wallet_has(trader, funded, alice):
    response = trader.submit(alice, "DOT", "USDT", 101 * DOT, DOT, USDT)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_funds"
    assert not Intent.objects.exists()


def test_an_unknown_or_huge_intent_id_is_not_found(api):
    assert api.get("/api/intents/999").status_code == 404
    assert api.get(f"/api/intents/{10**30}").status_code == 404
    assert api.get(f"/api/batches/{10**30}").status_code == 404
