"""The clearing returns exactly what the previous algorithm returned (tests/intents/
clearing_oracle.py) on direct and routed batches: same prices, payouts, legs, dropped
routes, dust and reserves. Plain pytest + Hypothesis, no database."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.intents.clearing import Intent, Pool, clear
from tests.intents import clearing_oracle
from tests.intents.test_clearing import batches
from tests.intents.test_routes import routed_batches

SAME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOT, USDT, KSM, ETH = "DOT", "USDT", "KSM", "ETH"


@SAME
@given(batches())
def test_direct_batches_clear_as_before(batch):
    intents, pools = batch
    assert clear(intents, pools) == clearing_oracle.clear(intents, pools)


@SAME
@given(routed_batches())
def test_routed_batches_clear_as_before(batch):
    intents, pools = batch
    assert clear(intents, pools) == clearing_oracle.clear(intents, pools)


def _crossing_routes(rng: random.Random, n: int, reserve: int) -> tuple[list[Intent], list[Pool]]:
    """KSM ↔ USDT and KSM ↔ ETH through DOT in both directions, next to direct intents
    with limits around spot: the routes' fixed point needs many rounds (integer rounding
    makes the second legs alternate) and some routes fall short."""
    pools = [
        Pool(DOT, USDT, 2 * reserve, 10 * reserve, 30),
        Pool(DOT, ETH, 3 * reserve, reserve // 200, 30),
        Pool(DOT, KSM, 4 * reserve, reserve, 100),
    ]
    spot = {  # token_in, token_out -> (units out per unit in) as (num, den)
        (DOT, USDT): (5, 1),
        (DOT, ETH): (1, 600),
        (DOT, KSM): (1, 4),
    }
    intents = []
    for k in range(1, n + 1):
        kind = rng.randrange(3)
        if kind == 0:
            t_in, t_out = rng.choice([(KSM, USDT), (KSM, ETH)])
            via = DOT
        else:
            t_in, t_out = rng.choice(list(spot))
            via = None
        if rng.randrange(2):
            t_in, t_out = t_out, t_in
        amount = rng.randrange(1, reserve // 500)
        num, den = 1, 1
        for a, b in zip((t_in, via or t_out), (via or t_out, t_out), strict=True):
            if a == b:
                continue
            n_ab, d_ab = spot[(a, b)] if (a, b) in spot else spot[(b, a)][::-1]
            num, den = num * n_ab, den * d_ab
        min_output = (
            amount * num * rng.choice([0, 0, 9_800, 9_950, 10_000, 10_050]) // (den * 10_000)
        )
        intents.append(Intent(k, t_in, t_out, amount, min_output, via=via))
    rng.shuffle(intents)
    return intents, pools


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.randoms(use_true_random=False),
    st.integers(2, 300),
    st.sampled_from([10**6, 10**12, 10**18]),
)
def test_busy_crossing_routes_clear_as_before(rng, n, reserve):
    intents, pools = _crossing_routes(rng, n, reserve)
    assert clear(intents, pools) == clearing_oracle.clear(intents, pools)
