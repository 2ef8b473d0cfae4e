"""Routed intents in the pure clearing, and quotes (docs/CLEARING.md "Routes", "Quotes").

Plain pytest + Hypothesis, no database."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.intents.clearing import (
    DROPPED,
    EXECUTED,
    INVALID,
    TRANSIT,
    Intent,
    Pool,
    amm_out,
    clear,
    settlement_moves,
)
from marketplace.intents.routing import (
    best_route,
    quote,
    sandwiched_output,
    suggested_min_output,
)

DOT, USDT, KSM, ASTR = "DOT", "USDT", "KSM", "ASTR"
PAIRS = [(DOT, USDT), (KSM, USDT), (ASTR, USDT), (DOT, KSM)]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pools(reserve=10**9):
    return [
        Pool(DOT, USDT, reserve, 5 * reserve, 30),
        Pool(KSM, USDT, reserve, 20 * reserve, 30),
        Pool(ASTR, USDT, 10 * reserve, reserve, 30),
        Pool(DOT, KSM, 4 * reserve, reserve, 30),
    ]


def test_a_lone_routed_intent_gets_exactly_two_pool_swaps_and_its_quote():
    ps = pools()
    result = clear([Intent(1, ASTR, DOT, 10**6, 1, via=USDT)], ps)

    usdt = amm_out(10**6, 10**10, 10**9, 30)
    dot = amm_out(usdt, 5 * 10**9, 10**9, 30)
    (r,) = result.intents
    assert (r.status, r.amount_out) == (EXECUTED, dot)
    assert [(leg.amount_in, leg.amount_out) for leg in r.legs] == [(10**6, usdt), (usdt, dot)]
    q = quote((ASTR, USDT, DOT), ps, 10**6)
    assert q.amount_out == dot
    assert best_route(ASTR, DOT, ps, 10**6) == (ASTR, USDT, DOT)


def test_a_route_whose_final_amount_misses_its_minimum_executes_neither_leg():
    ps = pools()
    q = quote((ASTR, USDT, DOT), ps, 10**6)
    result = clear(
        [Intent(1, ASTR, DOT, 10**6, q.amount_out + 1, via=USDT), Intent(2, DOT, USDT, 1000, 1)],
        ps,
    )
    assert result.intent(1).status == DROPPED and result.intent(1).legs == ()
    # Only the direct intent traded: the ASTR/USDT pool did not move at all.
    assert result.pair(ASTR, USDT) is None
    assert result.pair(DOT, USDT).executed == (2,)


def test_a_route_through_an_unknown_or_same_asset_is_invalid():
    ps = pools()
    result = clear(
        [
            Intent(1, ASTR, KSM, 10**6, 1, via="ETH"),
            Intent(2, ASTR, USDT, 10**6, 1, via=USDT),
        ],
        ps,
    )
    assert [(r.status, r.reason) for r in result.intents] == [
        (INVALID, "unknown_pair"),
        (INVALID, "bad_route"),
    ]


def test_opposite_routes_through_the_same_pools_settle_at_one_price_per_pair():
    # KSM→USDT→ASTR and ASTR→USDT→KSM: each pair's price depends on the other's.
    ps = pools()
    result = clear(
        [
            Intent(1, KSM, ASTR, 10**7, 1, via=USDT),
            Intent(2, ASTR, KSM, 10**9, 1, via=USDT),
            Intent(3, KSM, USDT, 10**6, 1),
        ],
        ps,
    )
    assert {r.status for r in result.intents} == {EXECUTED}
    _check_uniform(result, ps)


def test_the_best_route_prefers_the_direct_pool_then_the_better_intermediate():
    ps = pools()
    assert best_route(DOT, USDT, ps, 10) == (DOT, USDT)
    # ASTR reaches KSM only through USDT; DOT reaches... through USDT or KSM.
    assert best_route(ASTR, KSM, ps, 10**6) == (ASTR, USDT, KSM)
    assert best_route(DOT, DOT, ps, 1) is None
    assert best_route(DOT, "ETH", ps, 1) is None
    # A shallow DOT/KSM pool loses to the route through USDT for a big amount.
    shallow = [Pool(DOT, KSM, 10**6, 10**6, 30), *pools()[:3]]
    assert best_route(ASTR, DOT, shallow, 10**9) == (ASTR, USDT, DOT)


# ---------------------------------------------------------------------------- quote


@PROPERTY
@given(
    st.sampled_from([(DOT, USDT), (ASTR, DOT), (KSM, ASTR), (USDT, KSM), (DOT, KSM)]),
    st.integers(1, 10**12),
    st.integers(0, 10_000),
    st.integers(10**6, 10**15),
)
def test_the_quote_never_suggests_a_minimum_above_its_own_estimate(pair, amount, slip, reserve):
    ps = pools(reserve)
    route = best_route(*pair, ps, amount)
    q = quote(route, ps, amount)
    assert 0 <= suggested_min_output(q.amount_out, slip) <= q.amount_out
    assert 0 <= q.price_impact_bps <= 10_000
    assert 0 <= q.fee <= amount
    # A lone intent of that amount receives exactly the estimate.
    via = route[1] if len(route) == 3 else None
    (r,) = clear([Intent(1, pair[0], pair[1], amount, 0, via=via)], ps).intents
    assert r.amount_out == q.amount_out


# ------------------------------------------------------------------- routed batches


@st.composite
def routed_batches(draw, max_intents: int = 30):
    reserve = st.integers(10**4, 10**12)
    ps = [Pool(a, b, draw(reserve), draw(reserve), draw(st.integers(0, 300))) for a, b in PAIRS]
    tokens = [DOT, USDT, KSM, ASTR]
    n = draw(st.integers(1, max_intents))
    intents = []
    for i in range(n):
        token_in, token_out = draw(st.permutations(tokens))[:2]
        via = None
        if frozenset((token_in, token_out)) not in {frozenset(p) for p in PAIRS}:
            via = USDT
        elif draw(st.booleans()):
            via = draw(st.sampled_from([t for t in tokens if t not in (token_in, token_out)]))
        amount = draw(st.integers(1, 10**10))
        min_out = draw(st.one_of(st.just(0), st.integers(0, 10**11)))
        intents.append(Intent(i + 1, token_in, token_out, amount, min_out, via=via))
    return intents, ps


def _check_uniform(result, ps):
    """Every executed leg in a pair is paid at that pair's one price."""
    prices = {(p.token_in, p.token_out): p.clearing_price for p in result.pairs}
    for r in result.intents:
        for leg in r.legs:
            if (leg.token_in, leg.token_out) in prices:
                expected = leg.amount_in * prices[(leg.token_in, leg.token_out)]
            else:
                expected = leg.amount_in / prices[(leg.token_out, leg.token_in)]
            # A route's first leg may forward less than it bought (surplus kept as dust).
            assert leg.amount_out <= int(expected)
            if leg is r.legs[-1]:
                assert leg.amount_out == int(expected)


@PROPERTY
@given(routed_batches())
def test_routed_batches_conserve_every_asset_and_apply_within_balances(batch):
    intents, ps = batch
    result = clear(intents, ps)
    by_id = {x.id: x for x in intents}

    # Across all pools together (a route hands its intermediate asset from pool to pool).
    before, after = Counter(), Counter()
    for p in result.pairs:
        before.update(p.reserves_before)
        after.update(p.reserves_after)
    paid_in, paid_out = Counter(), Counter()
    for r in result.intents:
        if r.status == EXECUTED:
            paid_in[by_id[r.id].token_in] += by_id[r.id].amount_in
            paid_out[by_id[r.id].token_out] += r.amount_out
    for asset in before | after | paid_in | paid_out:
        assert paid_in[asset] + before[asset] == paid_out[asset] + after[asset]

    # The ledger moves, applied in their order, never overdraw a pool and end at
    # reserves_after; each user pays amount_in and receives amount_out.
    balance = Counter()
    for p in result.pairs:
        for asset, amount in p.reserves_before.items():
            balance[(("pool", (p.token_in, p.token_out)), asset)] = amount
    for m in settlement_moves(result):
        if m.source[0] != "hold":
            assert balance[(m.source, m.asset)] >= m.amount
            balance[(m.source, m.asset)] -= m.amount
        balance[(m.target, m.asset)] += m.amount
    for p in result.pairs:
        for asset, amount in p.reserves_after.items():
            assert balance[(("pool", (p.token_in, p.token_out)), asset)] == amount
    assert all(v == 0 for (account, _), v in balance.items() if account == TRANSIT)
    for r in result.intents:
        got = balance[(("user", r.id), by_id[r.id].token_out)]
        assert got == (r.amount_out if r.status == EXECUTED else 0)


@PROPERTY
@given(routed_batches())
def test_routes_are_all_or_nothing_and_respect_min_output_on_the_final_amount(batch):
    intents, ps = batch
    result = clear(intents, ps)
    _check_uniform(result, ps)
    for x in intents:
        r = result.intent(x.id)
        if r.status != EXECUTED:
            assert (r.amount_out, r.legs) == (0, ())
            continue
        assert r.amount_out >= x.min_output
        assert [leg.token_in for leg in r.legs] + [x.token_out] == list(x.route)
        assert r.legs[0].amount_in == x.amount_in
        assert r.legs[-1].amount_out == r.amount_out
        for first, second in zip(r.legs, r.legs[1:], strict=False):
            assert second.amount_in == first.amount_out  # all of leg 1 goes on


@PROPERTY
@given(routed_batches(), st.randoms(use_true_random=False))
def test_routed_batches_do_not_depend_on_order(batch, rnd):
    intents, ps = batch
    shuffled, shuffled_pools = intents[:], ps[:]
    rnd.shuffle(shuffled)
    rnd.shuffle(shuffled_pools)
    flipped = [
        Pool(p.token_b, p.token_a, p.reserve_b, p.reserve_a, p.fee_bps) for p in shuffled_pools
    ]
    assert clear(shuffled, flipped) == clear(intents, ps)


def crossing_routes(rng: random.Random, n: int, reserve: int) -> tuple[list[Intent], list[Pool]]:
    """KSM ↔ USDT and KSM ↔ ETH through DOT in both directions, next to direct intents
    with limits around spot: the routes' fixed point needs many rounds (integer rounding
    makes the second legs alternate) and some routes fall short."""
    pools = [
        Pool(DOT, USDT, 2 * reserve, 10 * reserve, 30),
        Pool(DOT, "ETH", 3 * reserve, reserve // 200, 30),
        Pool(DOT, KSM, 4 * reserve, reserve, 100),
    ]
    spot = {  # token_in, token_out -> (units out per unit in) as (num, den)
        (DOT, USDT): (5, 1),
        (DOT, "ETH"): (1, 600),
        (DOT, KSM): (1, 4),
    }
    intents = []
    for k in range(1, n + 1):
        kind = rng.randrange(3)
        if kind == 0:
            t_in, t_out = rng.choice([(KSM, USDT), (KSM, "ETH")])
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


def test_a_short_route_is_dropped_but_its_pools_keep_one_price_for_the_rest():
    rng = random.Random(7)
    ps = pools(10**12)
    intents = [
        Intent(i, ASTR, DOT, rng.randint(10**8, 10**10), 1, via=USDT) for i in range(1, 40)
    ] + [Intent(40, ASTR, DOT, 10**10, 10**12, via=USDT)]  # wants far more than any price
    result = clear(intents, ps)
    assert result.intent(40).status == DROPPED
    assert sum(r.status == EXECUTED for r in result.intents) == 39
    _check_uniform(result, ps)
    assert result.pair(ASTR, USDT).executed == tuple(range(1, 40))


# ---------------------------------------------------------------------- MEV saved


def test_mev_saved_in_the_worked_example_of_the_docs():
    pool = [Pool(DOT, USDT, 10_000, 50_000, 30)]
    # Intent #1 of docs/CLEARING.md: 100 DOT, min 480 USDT, received 488 in the batch.
    assert amm_out(100, 10_000, 50_000, 30) == 493  # the pool alone, unsandwiched
    assert sandwiched_output((DOT, USDT), pool, 100, 480) == 480
    assert 488 - sandwiched_output((DOT, USDT), pool, 100, 480) == 8
    # Intent #3: 1,000 USDT, min 190 DOT, received 204: 14 DOT saved.
    assert 204 - sandwiched_output((USDT, DOT), pool, 1_000, 190) == 14
    # A minimum the pool alone could not pay: nothing to sandwich, compare with alone.
    assert sandwiched_output((DOT, USDT), pool, 100, 600) == 493


@PROPERTY
@given(routed_batches())
def test_mev_saved_is_never_negative_and_a_sandwich_never_pays_above_the_pool_alone(batch):
    intents, ps = batch
    result = clear(intents, ps)
    for x in intents:
        r = result.intent(x.id)
        if r.status == EXECUTED:
            sandwiched = sandwiched_output(x.route, ps, x.amount_in, x.min_output)
            assert sandwiched <= quote(x.route, ps, x.amount_in).amount_out
            assert r.amount_out - sandwiched >= 0
