"""GET /api/quote, routed intents settled through the ledger, and intent expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.selectors import account_balance
from marketplace.core.models import OutboxEvent
from marketplace.intents.models import Intent
from marketplace.intents.selectors import verify_batch
from tests.conftest import DOT, USDT, balance
from tests.intents.support import Trader, close_window

pytestmark = pytest.mark.django_db

KSM = 10**12


@pytest.fixture
def ksm_pool(pool):
    from marketplace.intents.services import seed_pool

    # 1 KSM = 20 USDT; no DOT/KSM pool: DOT ↔ KSM goes through USDT.
    return seed_pool("KSM", "USDT", 5_000 * KSM, 100_000 * USDT, fee_bps=30, key="test:ksm")


def quote(api, **params):
    return api.get("/api/quote", params)


def test_a_quote_for_a_direct_pair(api, epoch):
    response = quote(api, token_in="DOT", token_out="USDT", amount_in=str(10 * DOT))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["route"] == ["DOT", "USDT"]
    assert body["amount_out_estimate"] == "49800349"  # a lone intent's exact payout
    assert body["fee"] == str(10 * DOT * 30 // 10_000)
    assert body["fee_bps"] == 30
    assert body["price_impact_bps"] == 9  # 10 DOT in a 10,000 DOT pool
    assert body["slippage_bps"] == 50
    assert body["suggested_min_output"] == str(49800349 * 9950 // 10_000)
    assert body["price"] == "4.9800349"
    assert body["batch_id"] == epoch["batch_id"]
    assert body["batch_sealed_intents"] == {"DOT-USDT": 0}


def test_a_quote_counts_the_open_batchs_sealed_intents_and_never_suggests_above_itself(
    api, trader, fund, alice, bob, ksm_pool
):
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 100 * KSM, "KSM")
    trader.intent(alice, "DOT", "USDT", 10 * DOT, 5 * DOT, 1)
    trader.intent(bob, "KSM", "DOT", 10 * KSM, 5 * KSM, 1)  # routed: counted in both pairs

    body = quote(api, token_in="DOT", token_out="KSM", amount_in="1", slippage_bps="5000").json()

    assert body["route"] == ["DOT", "USDT", "KSM"]
    assert body["batch_sealed_intents"] == {"DOT-USDT": 2, "KSM-USDT": 1}
    assert int(body["suggested_min_output"]) <= int(body["amount_out_estimate"])


@pytest.mark.parametrize(
    "params, field",
    [
        ({"token_in": "DOT", "token_out": "KSM", "amount_in": "1"}, "token_out"),  # no route
        ({"token_in": "DOT", "token_out": "DOT", "amount_in": "1"}, "token_out"),
        ({"token_in": "DOT", "token_out": "USDT", "amount_in": "0"}, "amount_in"),
        ({"token_in": "DOT", "token_out": "USDT", "amount_in": "1.5"}, "amount_in"),
        ({"token_in": "XYZ", "token_out": "USDT", "amount_in": "1"}, "token_in"),
        (
            {"token_in": "DOT", "token_out": "USDT", "amount_in": "1", "slippage_bps": "-1"},
            "slippage_bps",
        ),
    ],
)
def test_a_quote_refuses_bad_input_with_400(api, epoch, params, field):
    response = quote(api, **params)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_params"
    assert field in response.json()["error"]["fields"]


def test_a_routed_intent_settles_both_legs_and_the_batch_verifies(
    api, trader, fund, alice, bob, ksm_pool
):
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 100 * USDT, "USDT")
    estimate = quote(api, token_in="DOT", token_out="KSM", amount_in=str(10 * DOT)).json()
    routed = trader.intent(alice, "DOT", "KSM", 20 * DOT, 10 * DOT, 1)
    direct = trader.intent(bob, "USDT", "DOT", 50 * USDT, 50 * USDT, 1)

    assert trader.settle()

    body = api.get(f"/api/intents/{routed}").json()
    assert body["status"] == "executed"
    assert body["route"] == ["DOT", "USDT", "KSM"]
    first, second = body["legs"]
    assert (first["token_in"], first["token_out"], first["amount_in"]) == (
        "DOT",
        "USDT",
        str(10 * DOT),
    )
    assert (second["token_in"], second["amount_in"]) == ("USDT", first["amount_out"])
    assert second["amount_out"] == body["amount_out"]
    # Bob's USDT met Alice's DOT in the DOT/USDT pair: Alice did better than alone.
    assert int(body["amount_out"]) > int(estimate["amount_out_estimate"])
    assert (balance(alice, "DOT"), balance(alice, "KSM")) == (90 * DOT, int(body["amount_out"]))
    assert balance(alice, "USDT") == 0  # the intermediate asset never reaches the wallet
    assert account_balance("USDT", "pool:routes") == 0
    assert api.get(f"/api/intents/{direct}").json()["legs"][0]["token_in"] == "USDT"
    assert verify_batch(trader.epoch["batch_id"]) == []


def test_verify_batch_notices_a_tampered_leg(trader, fund, alice, ksm_pool):
    fund(alice, 100 * DOT, "DOT")
    routed = trader.intent(alice, "DOT", "KSM", 20 * DOT, 10 * DOT, 1)
    trader.settle()
    intent = Intent.objects.get(pk=routed)
    intent.legs[0]["amount_out"] = "1"
    intent.save(update_fields=["legs"])

    assert any("legs" in problem for problem in verify_batch(trader.epoch["batch_id"]))


def test_an_intent_past_its_expiry_at_the_close_returns_its_lock(trader, fund, alice):
    fund(alice, 100 * DOT, "DOT")
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    expiring = trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 1, expires_at=later)
    staying = trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 1)
    assert balance(alice, "DOT") == 60 * DOT
    # The batch settles late, after the intent's expiry.
    Intent.objects.filter(pk=expiring).update(expires_at=timezone.now() - timedelta(seconds=1))
    close_window(trader.epoch["batch_id"])

    assert trader.settle()

    expired = Intent.objects.get(pk=expiring)
    assert (expired.status, expired.amount_in, expired.amount_out) == ("expired", None, None)
    assert Intent.objects.get(pk=staying).status == "executed"
    assert balance(alice, "DOT") == 90 * DOT  # the expired lock came back whole
    events = OutboxEvent.objects.filter(type="intent.status")
    assert {(e.data["id"], e.data["status"]) for e in events} == {
        (expiring, "expired"),
        (staying, "executed"),
    }
    assert verify_batch(trader.epoch["batch_id"]) == []


UNITS = {"DOT": DOT, "USDT": USDT, "KSM": KSM}
# (sold, bought): direct both ways, and routed through USDT both ways.
SWAPS = [("DOT", "USDT"), ("USDT", "DOT"), ("KSM", "DOT"), ("DOT", "KSM")]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SWAPS),
            st.integers(1, 40),  # whole units sold
            st.integers(0, 3),  # whole units locked above that
            st.booleans(),  # expired by the close
        ),
        min_size=1,
        max_size=6,
    )
)
def test_expired_intents_return_their_locks_exactly(api, actions, fund, alice, ksm_pool, intents):
    """Whatever else the batch holds (direct, routed, executed, dropped), the wallet ends
    with exactly what it had, less what executed intents sold, plus what they bought:
    every expired lock comes back whole, and nothing stays held."""
    for asset, unit in UNITS.items():
        fund(alice, 1_000 * unit, asset)
    before = {asset: balance(alice, asset) for asset in UNITS}
    trader = Trader(actions, api.get("/api/intents/epoch").json())
    later = (timezone.now() + timedelta(minutes=5)).isoformat()
    submitted = {}
    for (sold, bought), whole, extra, expires in intents:
        amount = whole * UNITS[sold]
        lock = amount + extra * UNITS[sold]
        intent_id = trader.intent(alice, sold, bought, lock, amount, 1, expires_at=later)
        submitted[intent_id] = expires
    expiring = [i for i, expires in submitted.items() if expires]
    Intent.objects.filter(pk__in=expiring).update(expires_at=timezone.now() - timedelta(seconds=1))
    close_window(trader.epoch["batch_id"])

    assert trader.settle()

    delta = dict.fromkeys(UNITS, 0)
    for intent in Intent.objects.filter(pk__in=submitted):
        assert (intent.status == "expired") == submitted[intent.pk]
        if intent.status == "executed":
            delta[intent.token_in] -= intent.amount_in
            delta[intent.token_out] += intent.amount_out
    assert {a: balance(alice, a) - before[a] for a in UNITS} == delta
    assert verify_batch(trader.epoch["batch_id"]) == []


def test_an_expiry_in_the_past_is_refused(trader, fund, alice):
    fund(alice, 100 * DOT, "DOT")
    earlier = (timezone.now() - timedelta(seconds=1)).isoformat()

    response = trader.submit(alice, "DOT", "USDT", DOT, DOT, 1, expires_at=earlier)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"expires_at": "already past"}
    assert balance(alice, "DOT") == 100 * DOT


def test_mev_saved_is_recorded_shown_and_verified(client, api, trader, fund, alice, bob):
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 1_000 * USDT, "USDT")
    sell = trader.intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 45 * USDT)
    buy = trader.intent(bob, "USDT", "DOT", 60 * USDT, 50 * USDT, 9 * DOT)
    trader.settle()

    sold = api.get(f"/api/intents/{sell}").json()
    # min 45 USDT: a sandwich would have left Alice exactly 45 USDT.
    assert int(sold["mev_saved"]) == int(sold["amount_out"]) - 45 * USDT > 0
    bought = api.get(f"/api/intents/{buy}").json()
    assert int(bought["mev_saved"]) == int(bought["amount_out"]) - 9 * DOT
    stats = api.get("/api/batches/stats").json()["mev_saved"]
    assert stats == {"USDT": sold["mev_saved"], "DOT": bought["mev_saved"]} or stats == {
        "DOT": bought["mev_saved"],
        "USDT": sold["mev_saved"],
    }
    page = client.get(f"/trade/batches/{trader.epoch['batch_id']}/").content.decode()
    assert 'data-pm-stat="mev-saved"' in page and "5 USDT" in page
    assert 'data-pm-stat="mev-saved"' in client.get("/").content.decode()

    Intent.objects.filter(pk=sell).update(mev_saved=1)
    assert any("mev_saved" in p for p in verify_batch(trader.epoch["batch_id"]))
