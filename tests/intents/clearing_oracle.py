"""The clearing algorithm as it stood before the per-batch price book (docs/CLEARING.md
"Performance"): every fixed-point round re-clears each touched pair from scratch.

Kept only as a test oracle: tests/intents/test_clearing_equivalence.py checks that
``marketplace.intents.clearing.clear`` returns exactly what this returns. The
unchanged leaves (data classes, the price formula, the binary search, surplus) are
imported from the product module.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from functools import partial
from itertools import accumulate, pairwise

from marketplace.intents.clearing import (
    BPS,
    DROPPED,
    EXECUTED,
    INVALID,
    REASON_BAD_AMOUNT,
    REASON_BAD_MIN_OUTPUT,
    REASON_BAD_ROUTE,
    REASON_MIN_OUTPUT,
    REASON_SAME_TOKEN,
    REASON_UNKNOWN_PAIR,
    BatchResult,
    ClearingInvariantError,
    Flow,
    Intent,
    IntentResult,
    Leg,
    PairResult,
    Pool,
    PoolLeg,
    _canonical,
    _keep_surplus,
    _largest_true,
    _pair_key,
    _price_terms,
    amm_out,
)

PLAIN_ROUNDS = 12


def _priority(side: list[Intent]) -> list[Intent]:
    """Price priority: limit ``min_output/amount_in`` ascending, then id.

    The limit is compared through the exact integer key
    ``(min_output << s) // amount_in`` with ``s = 2 * max bit length of amount_in``:
    two distinct fractions m/a < m'/a' with a, a' < 2**L differ by at least
    ``1/(a*a') > 2**-s``, so their keys differ; equal fractions give equal keys.
    """
    if not side:
        return []
    s = 2 * max(x.amount_in for x in side).bit_length()
    return sorted(side, key=lambda x: ((x.min_output << s) // x.amount_in, x.id))


def _clear_pair(
    pool: Pool, sell_a: list[Intent], sell_b: list[Intent]
) -> tuple[PairResult, list[IntentResult]]:
    """Clear one pair. ``pool`` is canonical (token_a < token_b). Intents are valid."""
    ta, tb, ra, rb, fee = pool.token_a, pool.token_b, pool.reserve_a, pool.reserve_b, pool.fee_bps
    g = BPS - fee
    side_a = _priority(sell_a)
    side_b = _priority(sell_b)
    pre_a = [0, *accumulate(x.amount_in for x in side_a)]
    pre_b = [0, *accumulate(x.amount_in for x in side_b)]

    # "Intent k of a side is satisfied at p" in exact integers:
    #   A→B: floor(a*p) >= m  <=>  a*p >= m  <=>  m*den <= a*num
    #   B→A: floor(b/p) >= m  <=>  b/p >= m  <=>  m*num <= b*den
    def price_terms(i: int, j: int) -> tuple[int, int]:
        terms = _price_terms(ra, rb, g, pre_a[i], pre_b[j])
        if terms is None:  # pragma: no cover - callers pass i > 0 or j > 0
            raise ClearingInvariantError("no price for an empty set")
        return terms

    def ok_a(j: int, i: int) -> bool:  # (j, i): partial() binds the other side
        if i == 0:
            return True
        num, den = price_terms(i, j)
        x = side_a[i - 1]
        return x.min_output * den <= x.amount_in * num

    def ok_b(i: int, j: int) -> bool:
        if j == 0:
            return True
        num, den = price_terms(i, j)
        x = side_b[j - 1]
        return x.min_output * num <= x.amount_in * den

    # Drop loop. State: execute the first i of side A and the first j of side B.
    # One round: on each side keep the longest prefix whose worst intent is
    # satisfied at the price recomputed with that prefix and the other side as it
    # stands (this only ever drops current violators, worst limit first). Each
    # round that changes something drops >= 1 intent, so there are at most
    # len(side_a) + len(side_b) rounds; the fixed point is the largest satisfied
    # pair of prefixes (docs/CLEARING.md, "min_output and the drop loop").
    i, j = len(side_a), len(side_b)
    rounds = 0
    for _ in range(len(side_a) + len(side_b) + 1):
        new_i = _largest_true(i, partial(ok_a, j))
        new_j = _largest_true(j, partial(ok_b, i))
        if (new_i, new_j) == (i, j):
            break
        i, j = new_i, new_j
        rounds += 1
    else:  # pragma: no cover - impossible: every round drops at least one intent
        raise ClearingInvariantError(f"{ta}/{tb}: drop loop did not converge")

    sa, sb = pre_a[i], pre_b[j]
    terms = _price_terms(ra, rb, g, sa, sb)
    results: list[IntentResult] = []
    outs_a: list[int] = []  # token_b paid to A→B intents
    outs_b: list[int] = []  # token_a paid to B→A intents
    leg: PoolLeg | None = None
    pool_in_a = pool_out_a = pool_in_b = pool_out_b = 0
    price: Fraction | None = None
    if terms is not None:
        num, den = terms
        price = Fraction(num, den)
        outs_a = [x.amount_in * num // den for x in side_a[:i]]
        outs_b = [x.amount_in * den // num for x in side_b[:j]]
        # Net leg, exact: diff/num is the A left after paying B-sellers sb/p,
        # i.e. x* = sa - sb/p (if > 0); -diff/den is y* = sb - sa*p (if < 0).
        diff = sa * num - sb * den
        if diff > 0:  # x* = diff/num of A in; pool pays p*x* = diff/den of B
            pool_in_a = -(-diff // num)  # ceil(x*)
            pool_out_b = diff // den  # floor(p*x*)
            leg = PoolLeg(ta, tb, pool_in_a, pool_out_b)
            if pool_out_b > amm_out(pool_in_a, ra, rb, fee):
                raise ClearingInvariantError(f"{ta}/{tb}: pool leg pays more than the curve")
        elif diff < 0:  # y* = -diff/den of B in; pool pays y*/p = -diff/num of A
            pool_in_b = -(diff // den)  # ceil(y*)
            pool_out_a = -diff // num  # floor(y*/p)
            leg = PoolLeg(tb, ta, pool_in_b, pool_out_a)
            if pool_out_a > amm_out(pool_in_b, rb, ra, fee):
                raise ClearingInvariantError(f"{ta}/{tb}: pool leg pays more than the curve")

    paid_a, paid_b = sum(outs_b), sum(outs_a)
    dust_a = sa + pool_out_a - pool_in_a - paid_a
    dust_b = sb + pool_out_b - pool_in_b - paid_b
    new_ra = ra + pool_in_a - pool_out_a + dust_a
    new_rb = rb + pool_in_b - pool_out_b + dust_b

    # Money invariants (docs/CLEARING.md, "What is conserved"). Cheap; always on.
    if not (0 <= dust_a <= max(0, j - 1) and 0 <= dust_b <= max(0, i - 1)):
        raise ClearingInvariantError(f"{ta}/{tb}: dust out of bounds ({dust_a}, {dust_b})")
    if sa + ra != paid_a + new_ra or sb + rb != paid_b + new_rb:
        raise ClearingInvariantError(f"{ta}/{tb}: value not conserved")
    if new_ra <= 0 or new_rb <= 0 or new_ra * new_rb < ra * rb:
        raise ClearingInvariantError(f"{ta}/{tb}: constant product decreased")
    for x, out in zip(side_a[:i], outs_a, strict=True):
        if out < x.min_output:
            raise ClearingInvariantError(f"intent {x.id}: paid below min_output")
    for x, out in zip(side_b[:j], outs_b, strict=True):
        if out < x.min_output:
            raise ClearingInvariantError(f"intent {x.id}: paid below min_output")

    executed_a = tuple(sorted(x.id for x in side_a[:i]))
    executed_b = tuple(sorted(x.id for x in side_b[:j]))
    dropped = tuple(sorted(x.id for x in (*side_a[i:], *side_b[j:])))
    for x, out in (*zip(side_a[:i], outs_a, strict=True), *zip(side_b[:j], outs_b, strict=True)):
        swap = Leg(x.token_in, x.token_out, x.amount_in, out)
        results.append(IntentResult(x.id, EXECUTED, out, legs=(swap,)))
    for x in (*side_a[i:], *side_b[j:]):
        results.append(IntentResult(x.id, DROPPED, 0, REASON_MIN_OUTPUT))

    pair = PairResult(
        token_in=ta,
        token_out=tb,
        fee_bps=fee,
        clearing_price=price,
        executed=tuple(sorted(executed_a + executed_b)),
        dropped=dropped,
        forward=Flow(ta, tb, executed_a, sa, paid_b),
        reverse=Flow(tb, ta, executed_b, sb, paid_a),
        pool_leg=leg,
        reserves_before={ta: ra, tb: rb},
        reserves_after={ta: new_ra, tb: new_rb},
        dust={ta: dust_a, tb: dust_b},
        rounds=rounds,
    )
    return pair, results


def clear(intents: Iterable[Intent], pools: Iterable[Pool]) -> BatchResult:
    """Settle one batch: per pair, one uniform clearing price.

    Preconditions (``ValueError`` otherwise): intent ids are unique; at most one
    pool per unordered pair. Intents with bad values or without a pool (for a
    route: for either leg) come back ``invalid`` with a reason; the others are
    ``executed`` or ``dropped``. Without routed intents pairs are independent; routes
    couple the pairs they cross (docs/CLEARING.md "Routes"). Pure and deterministic:
    the same sets of intents and pools give an equal result in any order. Raises
    ``ClearingInvariantError`` if a money invariant fails (a bug: the caller must
    then not settle the batch).
    """
    by_pair: dict[tuple[str, str], Pool] = {}
    for pool in pools:
        canon = _canonical(pool)
        key = (canon.token_a, canon.token_b)
        if key in by_pair:
            raise ValueError(f"two pools for the pair {key[0]}/{key[1]}")
        by_pair[key] = canon

    ordered = sorted(intents, key=lambda x: x.id)
    for prev, cur in pairwise(ordered):
        if prev.id == cur.id:
            raise ValueError(f"duplicate intent id {cur.id}")

    results: list[IntentResult] = []
    direct: list[Intent] = []
    routed: list[Intent] = []
    for x in ordered:
        if x.token_in == x.token_out:
            results.append(IntentResult(x.id, INVALID, 0, REASON_SAME_TOKEN))
        elif x.amount_in <= 0:
            results.append(IntentResult(x.id, INVALID, 0, REASON_BAD_AMOUNT))
        elif x.min_output < 0:
            results.append(IntentResult(x.id, INVALID, 0, REASON_BAD_MIN_OUTPUT))
        elif x.via in (x.token_in, x.token_out):
            results.append(IntentResult(x.id, INVALID, 0, REASON_BAD_ROUTE))
        elif any(_pair_key(t, u) not in by_pair for t, u in pairwise(x.route)):
            results.append(IntentResult(x.id, INVALID, 0, REASON_UNKNOWN_PAIR))
        else:
            (direct if x.via is None else routed).append(x)

    pairs, cleared = _Routes(by_pair, direct, routed).clear()
    results.extend(cleared)
    results.sort(key=lambda r: r.id)
    return BatchResult(pairs=tuple(pairs), intents=tuple(results))


class _Routes:
    """Clearing with routed intents (docs/CLEARING.md "Routes").

    A route ``A → M → C`` takes part in pair {A, M} as a price-taking A→M intent of
    ``amount_in`` (its limit is 0, so a pair's drop loop never drops it) and in pair
    {M, C} as an M→C intent of ``b``, what its first leg bought. ``b`` depends on the
    first pair's price, which may depend on other routes' second legs: the ``b`` of
    all routes are found together as a fixed point. Then every route whose final
    amount is below its ``min_output`` is dropped, whole, and the rest is solved
    again, until no route is short. Without routes this is the plain per-pair
    clearing, each pair once.
    """

    def __init__(self, by_pair, direct: list[Intent], routed: list[Intent]):
        self.by_pair = by_pair
        self.direct: dict[tuple[str, str], list[Intent]] = {}
        for x in direct:
            self.direct.setdefault(_pair_key(x.token_in, x.token_out), []).append(x)
        self.routed = routed
        self.cache: dict[tuple, tuple[PairResult, dict[int, IntentResult]]] = {}

    def _pair(self, key, legs: tuple[Intent, ...]) -> tuple[PairResult, dict[int, IntentResult]]:
        """One pair cleared with its direct intents and these route legs (memoised: the
        fixed point re-clears only the pairs whose legs changed)."""
        cache_key = (key, legs)
        if cache_key not in self.cache:
            members = [*self.direct.get(key, ()), *legs]
            sell_a = [x for x in members if x.token_in == key[0]]
            sell_b = [x for x in members if x.token_in != key[0]]
            pair, results = _clear_pair(self.by_pair[key], sell_a, sell_b)
            self.cache[cache_key] = (pair, {r.id: r for r in results})
        return self.cache[cache_key]

    def _run(self, active: list[Intent], forward: dict[int, int]):
        """Every pair cleared with the first legs of `active` and second legs selling
        `forward[id]`; returns the pairs and what each first leg bought."""
        legs: dict[tuple[str, str], list[Intent]] = {key: [] for key in self.direct}
        for r in active:
            legs.setdefault(_pair_key(r.token_in, r.via), []).append(
                Intent(r.id, r.token_in, r.via, r.amount_in, 0)
            )
            if forward[r.id] > 0:
                legs.setdefault(_pair_key(r.via, r.token_out), []).append(
                    Intent(r.id, r.via, r.token_out, forward[r.id], 0)
                )
        solved = {key: self._pair(key, tuple(legs[key])) for key in sorted(legs)}
        bought = {r.id: solved[_pair_key(r.token_in, r.via)][1][r.id].amount_out for r in active}
        return solved, bought

    def _fixed_point(self, active: list[Intent], start: dict[int, int]):
        """The second-leg amounts `b` with `b == bought(b)`, or after PLAIN_ROUNDS
        rounds without it, the first `b <= bought(b)` reached by only ever lowering
        `b` (it ends: non-negative integers that strictly fall). A first leg's surplus
        over `b` stays in its pool as dust."""
        forward = {r.id: start.get(r.id, 0) for r in active}
        rounds = 0
        while True:
            solved, bought = self._run(active, forward)
            if bought == forward or (
                rounds > PLAIN_ROUNDS and all(bought[k] >= b for k, b in forward.items())
            ):
                return solved, forward, bought
            rounds += 1
            if rounds <= PLAIN_ROUNDS:
                forward = bought
            else:
                forward = {k: min(b, bought[k]) for k, b in forward.items()}

    def clear(self) -> tuple[list[PairResult], list[IntentResult]]:
        active = list(self.routed)
        dropped: list[Intent] = []
        forward: dict[int, int] = {}
        for _ in range(len(self.routed) + 1):
            solved, forward, bought = self._fixed_point(active, forward)
            finals = {
                r.id: solved[_pair_key(r.via, r.token_out)][1][r.id].amount_out
                if forward[r.id]
                else 0
                for r in active
            }
            # A route whose first leg buys nothing has no second leg: it is short too.
            short = {r.id for r in active if finals[r.id] < r.min_output or not forward[r.id]}
            if not short:
                break
            dropped.extend(r for r in active if r.id in short)
            active = [r for r in active if r.id not in short]
        else:  # pragma: no cover - impossible: every round drops at least one route
            raise ClearingInvariantError("route drop loop did not converge")

        surplus: dict[tuple[str, str], dict[str, int]] = {}
        results: list[IntentResult] = []
        for r in active:
            b, out = forward[r.id], finals[r.id]
            key = _pair_key(r.token_in, r.via)
            extra = surplus.setdefault(key, {})
            extra[r.via] = extra.get(r.via, 0) + bought[r.id] - b
            legs = (Leg(r.token_in, r.via, r.amount_in, b), Leg(r.via, r.token_out, b, out))
            results.append(IntentResult(r.id, EXECUTED, out, legs=legs))
            if out < r.min_output:  # pragma: no cover - the loop above ensures it
                raise ClearingInvariantError(f"intent {r.id}: paid below min_output")
        results.extend(IntentResult(r.id, DROPPED, 0, REASON_MIN_OUTPUT) for r in dropped)
        routed_ids = {r.id for r in self.routed}
        pairs = []
        for key, (pair, by_id) in solved.items():
            results.extend(r for i, r in by_id.items() if i not in routed_ids)
            pairs.append(_keep_surplus(pair, surplus.get(key, {})))
        return pairs, results
