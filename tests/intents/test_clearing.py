"""The pure batch-auction clearing: marketplace/intents/clearing.py (docs/CLEARING.md).

Plain pytest + Hypothesis, no Django, no database:
    .venv/bin/python -m pytest tests/intents/test_clearing.py -p no:django -q
"""

from __future__ import annotations

import math
import random
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.intents.clearing import (
    BPS,
    ClearingInvariantError,
    Intent,
    Pool,
    amm_out,
    clear,
    clearing_price,
    format_price,
)

DOT, USDT, ETH, KSM = "DOT", "USDT", "ETH", "KSM"


def a_to_b(intent_id: int, amount_in: int, min_output: int = 0) -> Intent:
    return Intent(intent_id, DOT, USDT, amount_in, min_output)


def b_to_a(intent_id: int, amount_in: int, min_output: int = 0) -> Intent:
    return Intent(intent_id, USDT, DOT, amount_in, min_output)


def outs(result) -> dict[int, int]:
    return {r.id: r.amount_out for r in result.intents}


def statuses(result) -> dict[int, str]:
    return {r.id: r.status for r in result.intents}


# ------------------------------------------------------------------ worked examples


def test_two_opposite_intents_match_without_touching_the_pool():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    result = clear([a_to_b(1, 1_000), b_to_a(2, 5_000)], [pool])

    pair = result.pair(DOT, USDT)
    assert pair.clearing_price == 5  # they balance at spot: p = reserve_b / reserve_a
    assert pair.pool_leg is None
    assert outs(result) == {1: 5_000, 2: 1_000}
    assert pair.reserves_after == pair.reserves_before == {DOT: 1_000_000, USDT: 5_000_000}
    assert pair.dust == {DOT: 0, USDT: 0}


def test_flows_that_cross_inside_the_fee_band_clear_at_their_own_ratio():
    # Spot 5, fee 1%: any ratio in [4.95, 5/0.99] beats trading with the pool.
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 100)
    result = clear([a_to_b(1, 1_000), b_to_a(2, 4_980)], [pool])

    pair = result.pair(DOT, USDT)
    assert pair.clearing_price == Fraction(4_980, 1_000)
    assert pair.pool_leg is None
    assert outs(result) == {1: 4_980, 2: 1_000}


def test_a_one_sided_batch_routes_through_the_pool():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    result = clear([a_to_b(1, 10_000), a_to_b(2, 30_000)], [pool])

    pair = result.pair(DOT, USDT)
    # p is the curve's exact effective price for the whole 40,000 DOT.
    p = Fraction(5_000_000 * (BPS - 30), 1_000_000 * BPS + 40_000 * (BPS - 30))
    assert pair.clearing_price == p
    assert pair.pool_leg.token_in == DOT
    assert pair.pool_leg.amount_in == 40_000
    assert pair.pool_leg.amount_out == amm_out(40_000, 1_000_000, 5_000_000, 30)
    assert outs(result) == {
        1: 10_000 * p.numerator // p.denominator,
        2: 30_000 * p.numerator // p.denominator,
    }
    assert pair.dust == {DOT: 0, USDT: pair.pool_leg.amount_out - sum(outs(result).values())}


def test_a_lone_intent_gets_exactly_what_a_direct_swap_would_give():
    pool = Pool(DOT, USDT, 10**16, 5 * 10**12, 30)
    result = clear([b_to_a(7, 123_456_789)], [pool])

    assert outs(result) == {7: amm_out(123_456_789, 5 * 10**12, 10**16, 30)}
    assert result.pair(DOT, USDT).dust == {DOT: 0, USDT: 0}


def test_only_the_net_imbalance_trades_against_the_pool():
    pool = Pool(DOT, USDT, 10_000, 50_000, 30)
    result = clear([a_to_b(1, 400), b_to_a(2, 1_000)], [pool])

    pair = result.pair(DOT, USDT)
    p = pair.clearing_price
    net_dot = 400 - 1_000 / p  # the DOT the USDT seller does not buy
    assert 0 < net_dot < 400
    assert pair.pool_leg.token_in == DOT
    assert pair.pool_leg.amount_in == math.ceil(net_dot)
    assert pair.pool_leg.amount_out == math.floor(net_dot * p)
    assert pair.pool_leg.amount_out <= amm_out(pair.pool_leg.amount_in, 10_000, 50_000, 30)
    assert p < 5  # net selling of DOT pushes its price below spot


def test_the_worked_example_from_the_docs():
    pool = Pool(USDT, DOT, 50_000, 10_000, 30)  # either token order is accepted
    intents = [
        a_to_b(1, 100, 480),
        a_to_b(2, 300, 0),
        b_to_a(3, 1_000, 190),
        a_to_b(4, 200, 1_000),
    ]
    result = clear(intents, [pool])

    pair = result.pair(DOT, USDT)
    assert pair.clearing_price == Fraction(254_235, 51_994)
    assert pair.price_str(6) == "4.889698"
    assert statuses(result) == {1: "executed", 2: "executed", 3: "executed", 4: "dropped"}
    assert outs(result) == {1: 488, 2: 1_466, 3: 204, 4: 0}
    assert (pair.pool_leg.token_in, pair.pool_leg.amount_in, pair.pool_leg.amount_out) == (
        DOT,
        196,
        955,
    )
    assert pair.dust == {DOT: 0, USDT: 1}
    assert pair.reserves_after == {DOT: 10_196, USDT: 49_046}
    assert pair.rounds == 1


# ------------------------------------------------------------------------ min_output


def test_an_impossible_min_output_is_dropped():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    result = clear([a_to_b(1, 1_000, 0), a_to_b(2, 1_000, 6_000)], [pool])

    assert statuses(result) == {1: "executed", 2: "dropped"}
    assert result.intent(2).reason == "min_output"
    assert result.intent(2).amount_out == 0
    assert result.intent(1).amount_out == amm_out(1_000, 1_000_000, 5_000_000, 30)


def test_dropping_the_worst_limit_can_save_a_better_one_on_the_same_side():
    # With both, p ~ 0.4998 and both violate; dropping them all at once would lose
    # intent 1, which is satisfied (p ~ 0.999) once the big one is gone.
    pool = Pool(DOT, USDT, 1_000_000, 1_000_000, 0)
    result = clear([a_to_b(1, 1_000, 900), a_to_b(2, 1_000_000, 990_000)], [pool])

    assert statuses(result) == {1: "executed", 2: "dropped"}
    assert result.intent(1).amount_out == 999


def test_a_drop_on_one_side_can_cascade_to_the_other():
    # Round 1 drops the big DOT seller (p too low for it); without its DOT the price
    # of DOT rises and the USDT seller no longer gets its 1,500 DOT: round 2.
    pool = Pool(DOT, USDT, 1_000_000, 1_000_000, 0)
    result = clear([a_to_b(1, 1_000_000, 1_000_000), b_to_a(2, 1_000, 1_500)], [pool])

    pair = result.pair(DOT, USDT)
    assert statuses(result) == {1: "dropped", 2: "dropped"}
    assert pair.rounds == 2
    assert pair.clearing_price is None
    assert pair.reserves_after == pair.reserves_before


def test_equal_limits_are_served_lowest_id_first():
    # Both ask 0.9 USDT per DOT; together they push p below 0.9, one alone does not.
    pool = Pool(DOT, USDT, 1_000_000, 1_000_000, 0)
    result = clear([a_to_b(9, 100_000, 90_000), a_to_b(4, 100_000, 90_000)], [pool])

    assert statuses(result) == {4: "executed", 9: "dropped"}


def test_a_min_output_exactly_met_executes():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    exact = amm_out(1_000, 1_000_000, 5_000_000, 30)
    result = clear([a_to_b(1, 1_000, exact)], [pool])

    assert result.intent(1).status == "executed"
    assert result.intent(1).amount_out == exact


# ---------------------------------------------------------------- validation, edges


def test_an_intent_without_a_pool_is_invalid():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    result = clear([Intent(1, KSM, DOT, 10, 0), a_to_b(2, 10)], [pool])

    assert (result.intent(1).status, result.intent(1).reason) == ("invalid", "unknown_pair")
    assert result.intent(2).status == "executed"
    assert [(p.token_in, p.token_out) for p in result.pairs] == [(DOT, USDT)]


def test_intents_with_bad_values_are_invalid_not_fatal():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    result = clear(
        [
            Intent(1, DOT, DOT, 10, 0),
            Intent(2, DOT, USDT, 0, 0),
            Intent(3, DOT, USDT, 10, -1),
            a_to_b(4, 10),
        ],
        [pool],
    )

    assert [(r.status, r.reason) for r in result.intents] == [
        ("invalid", "same_token"),
        ("invalid", "bad_amount"),
        ("invalid", "bad_min_output"),
        ("executed", None),
    ]


def test_float_amounts_are_refused():
    with pytest.raises(TypeError):
        Intent(1, DOT, USDT, 1.5, 0)
    with pytest.raises(TypeError):
        Pool(DOT, USDT, 10.0, 10, 30)


def test_duplicate_intent_ids_are_rejected():
    pool = Pool(DOT, USDT, 1_000_000, 5_000_000, 30)
    with pytest.raises(ValueError, match="duplicate"):
        clear([a_to_b(1, 10), b_to_a(1, 10)], [pool])


def test_two_pools_for_one_pair_are_rejected():
    with pytest.raises(ValueError, match="two pools"):
        clear([], [Pool(DOT, USDT, 1, 1, 0), Pool(USDT, DOT, 1, 1, 0)])


@pytest.mark.parametrize(
    ("reserves", "fee"), [((0, 1), 30), ((1, -5), 30), ((1, 1), BPS), ((1, 1), -1)]
)
def test_a_pool_with_empty_reserves_or_a_total_fee_is_rejected(reserves, fee):
    with pytest.raises(ValueError):
        Pool(DOT, USDT, *reserves, fee)


def test_an_empty_batch_settles_nothing():
    result = clear([], [Pool(DOT, USDT, 1, 1, 0)])

    assert result.pairs == ()
    assert result.intents == ()
    assert result.dust == {}


def test_a_pool_token_order_does_not_change_the_result():
    intents = [a_to_b(1, 5_000, 20_000), b_to_a(2, 7_000), a_to_b(3, 123)]
    forward = clear(intents, [Pool(DOT, USDT, 1_000_000, 5_000_000, 30)])
    backward = clear(intents, [Pool(USDT, DOT, 5_000_000, 1_000_000, 30)])

    assert forward == backward


def test_amounts_beyond_u128_stay_exact():
    big = 2**200
    pool = Pool(DOT, USDT, big, 3 * big, 0)
    result = clear([a_to_b(1, big // 7 + 1), b_to_a(2, big // 3 + 5)], [pool])

    pair = result.pair(DOT, USDT)
    p = pair.clearing_price
    assert result.intent(1).amount_out == (big // 7 + 1) * p.numerator // p.denominator
    assert result.intent(2).amount_out == (big // 3 + 5) * p.denominator // p.numerator


def test_pairs_in_one_batch_are_independent():
    pools = [Pool(DOT, USDT, 10**6, 5 * 10**6, 30), Pool(ETH, DOT, 10**3, 10**6, 5)]
    dot_usdt = [a_to_b(1, 5_000, 1), b_to_a(2, 9_000, 100)]
    eth_dot = [Intent(3, ETH, DOT, 7, 6_000), Intent(4, DOT, ETH, 20_000, 10)]

    together = clear(dot_usdt + eth_dot, pools)
    apart = [clear(dot_usdt, pools).pairs[0], clear(eth_dot, pools).pairs[0]]

    assert list(together.pairs) == sorted(apart, key=lambda p: (p.token_in, p.token_out))


def test_the_price_string_truncates_and_scales_by_decimals():
    assert format_price(Fraction(2, 3), 4) == "0.6666"
    assert format_price(Fraction(5), 6) == "5"
    assert format_price(Fraction(1, 8), 18) == "0.125"
    # 5 USDT per DOT: 5 * 10**6 micro-USDT per 10**10 planck.
    assert format_price(Fraction(5 * 10**6, 10**10), 6, decimals_in=10, decimals_out=6) == "5"


def test_ten_thousand_intents_clear_within_two_seconds():
    rng = random.Random(7)
    pools = [
        Pool(DOT, USDT, 2 * 10**16, 10**13, 30),
        Pool(DOT, ETH, 10**16, 2 * 10**21, 30),
        Pool(ETH, USDT, 5 * 10**21, 15 * 10**12, 5),
        Pool(DOT, KSM, 8 * 10**15, 2 * 10**17, 100),
    ]
    intents = []
    for k in range(10_000):
        pool = pools[k % 4]
        if rng.random() < 0.55:
            t_in, t_out, r_in, r_out = pool.token_a, pool.token_b, pool.reserve_a, pool.reserve_b
        else:
            t_in, t_out, r_in, r_out = pool.token_b, pool.token_a, pool.reserve_b, pool.reserve_a
        amount = rng.randrange(1, r_in // 1_000)
        limit_bps = rng.choice([0, 9_000, 9_950, 10_010, 15_000])
        intents.append(Intent(k, t_in, t_out, amount, amount * r_out * limit_bps // r_in // BPS))

    best = min(_timed(clear, intents, pools) for _ in range(3))

    assert best <= 2.0


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


# ---------------------------------------------------------------------- properties

TOKENS = [DOT, USDT, ETH, KSM]  # no pool ever lists KSM: its intents are invalid
POOLED_PAIRS = [(DOT, USDT), (DOT, ETH), (ETH, USDT)]

reserves = st.one_of(st.integers(1, 1_000), st.integers(1, 2**128))
amounts = st.one_of(st.integers(1, 1_000), st.integers(1, 2**128))


@st.composite
def batches(draw, max_intents: int = 40, pairs=POOLED_PAIRS, tokens=TOKENS):
    pools = []
    for a, b in draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1)):
        pools.append(Pool(a, b, draw(reserves), draw(reserves), draw(st.integers(0, BPS - 1))))
    by_pair = {frozenset((p.token_a, p.token_b)): p for p in pools}
    ids = draw(st.lists(st.integers(0, 10**9), unique=True, max_size=max_intents))
    intents = []
    for intent_id in ids:
        t_in, t_out = draw(st.permutations(tokens))[:2]
        amount = draw(amounts)
        pool = by_pair.get(frozenset((t_in, t_out)))
        kind = draw(st.sampled_from(["zero", "near_spot", "any"]))
        if kind == "zero" or pool is None:
            min_output = 0
        elif kind == "near_spot":  # 0% .. 150% of the spot value: exercises the drop loop
            r_in = pool.reserve_a if t_in == pool.token_a else pool.reserve_b
            r_out = pool.reserve_b if t_in == pool.token_a else pool.reserve_a
            min_output = amount * r_out * draw(st.integers(0, 150)) // (r_in * 100)
        else:
            min_output = draw(amounts)
        intents.append(Intent(intent_id, t_in, t_out, amount, min_output))
    return intents, pools


PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(batches(), st.randoms(use_true_random=False))
def test_any_permutation_of_the_same_intents_gives_the_same_result(batch, rnd):
    intents, pools = batch
    shuffled_intents, shuffled_pools = intents[:], pools[:]
    rnd.shuffle(shuffled_intents)
    rnd.shuffle(shuffled_pools)

    assert clear(shuffled_intents, shuffled_pools) == clear(intents, pools)


@PROPERTY
@given(batches())
def test_every_intent_is_reported_once_and_every_payout_is_uniform(batch):
    intents, pools = batch
    result = clear(intents, pools)
    by_id = {x.id: x for x in intents}

    assert [r.id for r in result.intents] == sorted(by_id)
    for pair in result.pairs:
        p = pair.clearing_price
        for intent_id in pair.executed:
            x, out = by_id[intent_id], result.intent(intent_id).amount_out
            # Same rate for every intent of a direction, inverted for the other one.
            if x.token_in == pair.token_in:
                assert out == x.amount_in * p.numerator // p.denominator
            else:
                assert out == x.amount_in * p.denominator // p.numerator
            assert out >= x.min_output >= 0
        for intent_id in pair.dropped:
            assert result.intent(intent_id).amount_out == 0
    for r in result.intents:
        assert r.amount_out >= 0
        if r.status != "executed":
            assert r.amount_out == 0


@PROPERTY
@given(batches())
def test_value_is_conserved_per_asset_and_dust_is_at_most_one_unit_per_intent(batch):
    intents, pools = batch
    result = clear(intents, pools)
    by_id = {x.id: x for x in intents}

    for pair in result.pairs:
        for asset in (pair.token_in, pair.token_out):
            executed = [by_id[i] for i in pair.executed]
            paid_in = sum(x.amount_in for x in executed if x.token_in == asset)
            paid_out = sum(result.intent(x.id).amount_out for x in executed if x.token_out == asset)
            receivers = sum(1 for x in executed if x.token_out == asset)
            leg = pair.pool_leg
            leg_in = leg.amount_in if leg and leg.token_in == asset else 0
            leg_out = leg.amount_out if leg and leg.token_out == asset else 0
            dust = pair.dust[asset]

            before, after = pair.reserves_before[asset], pair.reserves_after[asset]
            assert paid_in + before == paid_out + after  # nothing created or destroyed
            assert after == before + leg_in - leg_out + dust  # dust is credited to the pool
            assert paid_in == paid_out + (leg_in - leg_out) + dust
            assert 0 <= dust <= max(0, receivers - 1)
            assert dust <= len(pair.executed)


@PROPERTY
@given(batches())
def test_the_pool_is_never_worse_off_than_its_curve(batch):
    intents, pools = batch
    result = clear(intents, pools)

    for pair in result.pairs:
        a, b = pair.token_in, pair.token_out
        before, after = pair.reserves_before, pair.reserves_after
        assert after[a] > 0 and after[b] > 0
        assert after[a] * after[b] >= before[a] * before[b]  # k never decreases
        if pair.pool_leg is not None:
            leg = pair.pool_leg
            assert leg.amount_out <= amm_out(
                leg.amount_in, before[leg.token_in], before[leg.token_out], pair.fee_bps
            )


@PROPERTY
@given(batches())
def test_the_drop_loop_terminates_within_one_round_per_intent(batch):
    intents, pools = batch
    result = clear(intents, pools)

    for pair in result.pairs:
        assert 0 <= pair.rounds <= len(pair.executed) + len(pair.dropped)
        assert pair.rounds == 0 or pair.dropped


@st.composite
def crossing_batches(draw):
    """One pair whose two flows are close to balanced at spot (within +-2%)."""
    ra, rb = draw(reserves), draw(reserves)
    pool = Pool(DOT, USDT, ra, rb, draw(st.integers(0, 300)))
    sells_a = draw(st.lists(amounts, min_size=1, max_size=8))
    target = sum(sells_a) * rb * draw(st.integers(9_800, 10_200)) // (ra * BPS)
    cuts = sorted(draw(st.lists(st.integers(0, target), max_size=7)))
    sells_b = [hi - lo for lo, hi in zip([0, *cuts], [*cuts, target], strict=True) if hi > lo]
    intents = [a_to_b(k, amount) for k, amount in enumerate(sells_a)]
    intents += [b_to_a(100 + k, amount) for k, amount in enumerate(sells_b)]
    return intents, [pool]


def _curve(amount_in, reserve_in, reserve_out, fee_bps):
    """The real (unrounded) constant-product output with fee."""
    after_fee = amount_in * Fraction(BPS - fee_bps, BPS)
    return reserve_out * after_fee / (reserve_in + after_fee)


@PROPERTY
@given(st.one_of(batches(), crossing_batches()))
def test_the_price_is_the_curves_effective_price_of_the_net_leg_or_the_flows_own_ratio(batch):
    intents, pools = batch
    result = clear(intents, pools)
    by_id = {x.id: x for x in intents}

    for pair in result.pairs:
        if pair.clearing_price is None:
            continue
        p, a, b = pair.clearing_price, pair.token_in, pair.token_out
        r = pair.reserves_before
        sa = sum(by_id[i].amount_in for i in pair.forward.executed)
        sb = sum(by_id[i].amount_in for i in pair.reverse.executed)
        net_a = sa - sb / p  # A the B-sellers do not take, at price p
        leg = pair.pool_leg
        if net_a > 0:
            assert (leg.token_in, leg.amount_in) == (a, math.ceil(net_a))
            assert _curve(net_a, r[a], r[b], pair.fee_bps) == p * net_a
            assert leg.amount_out == math.floor(p * net_a)
        elif net_a < 0:
            net_b = -net_a * p
            assert (leg.token_in, leg.amount_in) == (b, math.ceil(net_b))
            assert _curve(net_b, r[b], r[a], pair.fee_bps) == net_b / p
            assert leg.amount_out == math.floor(net_b / p)
        else:  # the flows cross inside the fee band: no pool trade at all
            gamma, spot = Fraction(BPS - pair.fee_bps, BPS), Fraction(r[b], r[a])
            assert leg is None
            assert gamma * spot <= p <= spot / gamma


def _priority(side):
    return sorted(side, key=lambda x: (Fraction(x.min_output, x.amount_in), x.id))


def _satisfied(pool, side_a, side_b):
    price = clearing_price(
        pool.reserve_a,
        pool.reserve_b,
        pool.fee_bps,
        sum(x.amount_in for x in side_a),
        sum(x.amount_in for x in side_b),
    )
    if price is None:
        return True
    return all(x.amount_in * price >= x.min_output for x in side_a) and all(
        x.amount_in / price >= x.min_output for x in side_b
    )


@settings(max_examples=400, deadline=None)
@given(batches(max_intents=10, pairs=[(DOT, USDT)], tokens=[DOT, USDT]))
def test_the_executed_set_is_the_largest_satisfiable_set_in_price_priority(batch):
    intents, pools = batch
    (pool,) = pools
    if pool.token_a != DOT:
        pool = Pool(DOT, USDT, pool.reserve_b, pool.reserve_a, pool.fee_bps)
    side_a = _priority([x for x in intents if x.token_in == DOT])
    side_b = _priority([x for x in intents if x.token_in == USDT])

    result = clear(intents, pools)
    executed = set(result.pairs[0].executed) if result.pairs else set()
    i = sum(1 for x in side_a if x.id in executed)
    j = sum(1 for x in side_b if x.id in executed)

    # The executed intents are a priority prefix of each side ...
    assert executed == {x.id for x in side_a[:i]} | {x.id for x in side_b[:j]}
    # ... every one of them is satisfied at the price of that set ...
    assert _satisfied(pool, side_a[:i], side_b[:j])
    # ... and every other satisfied pair of prefixes is contained in it.
    for ii in range(len(side_a) + 1):
        for jj in range(len(side_b) + 1):
            if _satisfied(pool, side_a[:ii], side_b[:jj]):
                assert ii <= i and jj <= j


@settings(max_examples=300, deadline=None)
@given(
    reserves,
    reserves,
    st.integers(0, BPS - 1),
    st.integers(0, 2**128),
    st.integers(0, 2**128),
    st.integers(1, 2**64),
)
def test_the_price_falls_with_more_sellers_of_a_and_rises_with_more_sellers_of_b(
    ra, rb, fee, sa, sb, extra
):
    base = clearing_price(ra, rb, fee, sa + 1, sb)

    assert clearing_price(ra, rb, fee, sa + 1 + extra, sb) <= base
    assert clearing_price(ra, rb, fee, sa + 1, sb + extra) >= base


def test_a_broken_invariant_is_an_error_class_of_its_own():
    assert issubclass(ClearingInvariantError, RuntimeError)
