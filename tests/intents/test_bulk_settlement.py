"""Batch settlement on the ledger's set-based paths: the statements it runs do not grow
with the number of intents, and a route's intermediate asset paid out directly to
other traders in the same batch settles as one set."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.selectors import account_balance
from marketplace.core.models import OutboxEvent
from marketplace.intents.selectors import verify_batch
from tests.conftest import DOT, USDT, _persona, balance

pytestmark = pytest.mark.django_db

KSM = 10**12


@pytest.fixture
def ksm_pool(pool):
    from marketplace.intents.services import seed_pool

    return seed_pool("KSM", "USDT", 5_000 * KSM, 100_000 * USDT, fee_bps=30, key="test:ksm")


def test_a_routes_intermediate_asset_and_direct_payouts_of_it_settle_together(
    trader, fund, alice, bob, carol, ksm_pool
):
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 100 * DOT, "DOT")
    fund(carol, 100 * KSM, "KSM")
    routed = trader.intent(alice, "DOT", "KSM", 20 * DOT, 10 * DOT, 1)  # via USDT
    direct = trader.intent(bob, "DOT", "USDT", 20 * DOT, 10 * DOT, 1)  # USDT paid out
    back = trader.intent(carol, "KSM", "USDT", 10 * KSM, 10 * KSM, 1)  # USDT paid out

    assert trader.settle()

    assert balance(bob, "USDT") > 0 and balance(carol, "USDT") > 0 and balance(alice, "KSM") > 0
    assert balance(alice, "USDT") == 0
    assert account_balance("USDT", "pool:routes") == 0
    assert verify_batch(trader.epoch["batch_id"]) == []
    statuses = OutboxEvent.objects.filter(type="intent.status").values_list("data", flat=True)
    assert {d["id"] for d in statuses if d["status"] == "executed"} == {routed, direct, back}


def _settle_statements(trader, fund, count: int) -> int:
    signers = [_persona(f"//Trader{i}") for i in range(count)]
    for i, signer in enumerate(signers):
        fund(signer, 10 * DOT, "DOT")
        fund(signer, 50 * USDT, "USDT")
        if i % 2:
            trader.intent(signer, "DOT", "USDT", 2 * DOT, 1 * DOT, 1)
        else:
            trader.intent(signer, "USDT", "DOT", 10 * USDT, 5 * USDT, 1)
    with CaptureQueriesContext(connection) as queries:
        assert trader.settle()
    return len(queries)


def test_settling_forty_intents_runs_no_more_statements_than_settling_four(
    api, actions, pool, fund
):
    from marketplace.intents.services import open_epoch
    from tests.intents.support import Trader

    few = _settle_statements(Trader(actions, api.get("/api/intents/epoch").json()), fund, 4)
    open_epoch()
    many = _settle_statements(Trader(actions, api.get("/api/intents/epoch").json()), fund, 40)
    assert many <= few, (few, many)
