"""The clearing returns exactly what the previous algorithm returned (tests/intents/
clearing_oracle.py) on direct and routed batches: same prices, payouts, legs, dropped
routes, dust and reserves. Plain pytest + Hypothesis, no database."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.intents.clearing import clear
from tests.intents import clearing_oracle
from tests.intents.test_clearing import batches
from tests.intents.test_routes import crossing_routes, routed_batches

SAME = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.randoms(use_true_random=False),
    st.integers(2, 300),
    st.sampled_from([10**6, 10**12, 10**18]),
)
def test_busy_crossing_routes_clear_as_before(rng, n, reserve):
    intents, pools = crossing_routes(rng, n, reserve)
    assert clear(intents, pools) == clearing_oracle.clear(intents, pools)
