"""Settlement races on PostgreSQL: two workers (or beat plus an admin click) settling the
same batch, and a cancel racing the settlement, never move money twice."""

from functools import partial

import pytest
from django.db import connection

from marketplace.core.errors import ApiError
from marketplace.intents import services
from marketplace.intents.models import Intent
from marketplace.wallets.models import Wallet
from tests.concurrency import run_at_once
from tests.conftest import DOT, USDT, balance
from tests.intents.support import pool_balances

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls) -> list:
    """Each call's result, or the API error code it raised."""
    return [
        r.code if isinstance(r, ApiError) else r for r in run_at_once(*calls, catch=(ApiError,))
    ]


@pytest.fixture
def batch_with_intents(trader, fund, alice, bob) -> int:
    assert connection.vendor == "postgresql"
    fund(alice, 100 * DOT, "DOT")
    fund(bob, 1_000 * USDT, "USDT")
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 45 * USDT)
    trader.intent(bob, "USDT", "DOT", 100 * USDT, 80 * USDT, 10 * DOT)
    return trader.epoch["batch_id"]


def test_two_workers_settling_one_batch_settle_it_once(batch_with_intents, alice, bob):
    settle = partial(services.settle_batch, batch_with_intents)

    assert sorted(race(settle, settle)) == [False, True]

    assert balance(alice, "DOT") == 90 * DOT
    assert balance(bob, "USDT") == 920 * USDT
    assert Intent.objects.filter(status="executed").count() == 2
    dot, usdt = pool_balances()
    # Whatever the pool leg, the books balance: every unit is with a user or the pool.
    assert dot + balance(alice, "DOT") + balance(bob, "DOT") == 10_000 * DOT + 100 * DOT
    assert usdt + balance(alice, "USDT") + balance(bob, "USDT") == 50_000 * USDT + 1_000 * USDT


def test_a_cancel_racing_the_settlement_either_wins_or_is_refused(batch_with_intents, alice):
    intent = Intent.objects.get(wallet__public_key=alice.public_key)
    wallet = Wallet.objects.get(public_key=alice.public_key)

    def cancel():
        return services.cancel_intent(wallet, intent_id=intent.pk).status

    cancelled, settled = race(cancel, partial(services.settle_batch, batch_with_intents))

    intent.refresh_from_db()
    assert settled is True
    if cancelled == "cancelled":
        assert intent.status == "cancelled"
        assert balance(alice, "DOT") == 100 * DOT
    else:
        assert cancelled == "invalid_state"
        assert intent.status == "executed"
        assert balance(alice, "DOT") == 90 * DOT
