"""Pools: seeded from outside the ledger, reserves read from their ledger accounts."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from marketplace.intents.models import Pool
from tests.conftest import DOT, USDT

pytestmark = pytest.mark.django_db


def test_seed_pool_creates_the_pool_and_is_idempotent(api):
    for _ in range(2):
        call_command("seed_pool", "USDT", "DOT", str(500 * USDT), str(100 * DOT), stdout=StringIO())

    assert api.get("/api/pools").json() == [
        {
            "token_a": "DOT",
            "token_b": "USDT",
            "reserve_a": str(100 * DOT),
            "reserve_b": str(500 * USDT),
            "fee_bps": 30,
        }
    ]


def test_seeding_again_with_a_new_key_adds_liquidity(api, pool):
    args = ["DOT", "USDT", str(DOT), str(5 * USDT), "--key=more"]
    call_command("seed_pool", *args, stdout=StringIO())

    pool = api.get("/api/pools").json()[0]
    assert (pool["reserve_a"], pool["reserve_b"]) == (str(10_001 * DOT), str(50_005 * USDT))


def test_seed_pool_refuses_another_fee_for_an_existing_pool(pool):
    with pytest.raises(CommandError, match="another fee"):
        call_command("seed_pool", "DOT", "USDT", "1", "1", "--fee-bps=5", stdout=StringIO())


def test_seed_pool_refuses_bad_arguments(db):
    with pytest.raises(CommandError):
        call_command("seed_pool", "DOT", "DOT", "1", "1", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_pool", "DOT", "USDT", "1", "1", "--fee-bps=10000", stdout=StringIO())
    assert not Pool.objects.exists()


def test_the_database_refuses_a_fee_of_100_percent_and_unsorted_tokens(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.create(token_a="DOT", token_b="USDT", fee_bps=10_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.create(token_a="USDT", token_b="DOT", fee_bps=30)


def test_the_demo_seed_is_idempotent_with_routes_between_its_four_assets(api):
    from marketplace.intents.demo import seed

    seed(StringIO())
    seed(StringIO())

    pools = {(p["token_a"], p["token_b"]): p for p in api.get("/api/pools").json()}
    assert sorted(pools) == [("ASTR", "USDT"), ("DOT", "USDT"), ("KSM", "USDT")]
    pool = pools[("DOT", "USDT")]
    assert (pool["reserve_a"], pool["reserve_b"]) == (str(10_000 * DOT), str(50_000 * USDT))
    routed = api.get("/api/quote", {"token_in": "KSM", "token_out": "ASTR", "amount_in": "1"})
    assert routed.json()["route"] == ["KSM", "USDT", "ASTR"]
