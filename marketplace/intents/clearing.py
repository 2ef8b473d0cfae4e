"""Uniform-price clearing of one batch of decrypted swap intents (MEV protection).

Pure module: standard library only, no Django, no I/O, no floats. Amounts are
Python ``int`` in an asset's smallest unit (any size; u128 in practice); prices
are exact ``fractions.Fraction``. ``clear(intents, pools)`` is the only entry point
the service needs; the math, the proofs and a worked example are in
``docs/CLEARING.md``. The contract, in short:

* Per pair (``token_a`` < ``token_b``, sorted codes) there is ONE price ``p``
  (units of ``token_b`` per unit of ``token_a``). An executed A→B intent receives
  ``floor(amount_in * p)``, an executed B→A intent ``floor(amount_in / p)``.
* Opposite flows match each other at ``p``; only the net imbalance trades once
  against the constant-product pool. ``p`` is the exact equilibrium
  (see ``clearing_price``): the pool's effective execution price of the
  (rational) net leg, or ``volume_b / volume_a`` when the two flows cross inside
  the pool's fee band (``= reserve_b / reserve_a`` when they balance at spot).
* The pool leg never pays more than the constant-product formula (``amm_out``)
  for its integer input; every payout rounds down; what rounding leaves over is
  reported as ``dust`` per asset and belongs to the pool (it is already included
  in ``reserves_after``). Per asset: dust < number of executed intents receiving
  that asset.
* Conservation, per asset: ``sum(amount_in) + reserve_before ==
  sum(amount_out) + reserve_after`` where ``reserve_after = reserve_before +
  pool_leg_in - pool_leg_out + dust``. Checked for every pair; a violation raises
  ``ClearingInvariantError`` (never an ``assert``: it must survive ``python -O``).
* ``min_output``: an intent is satisfied iff its payout at ``p`` is at least its
  ``min_output``. Intents have price priority (limit ``min_output / amount_in``,
  ties by lower id). The executed set is the largest pair of priority prefixes
  that is satisfied at its own price; it is found by a drop loop that ends after
  at most ``len(intents)`` rounds.
* Routes: an intent with ``via`` sells ``token_in`` for ``via`` in one pair and
  that ``via`` for ``token_out`` in another. Each leg is an ordinary (price-taking)
  member of its pair's batch, so every pair still has ONE price; the leg-2 amounts
  are found as a fixed point (they depend on the leg-1 prices); a route executes
  both legs or neither, and ``min_output`` applies to its final amount.
* The result depends only on the set of intents and pools, never on list order.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import partial
from itertools import accumulate, pairwise

BPS = 10_000

EXECUTED = "executed"
DROPPED = "dropped"
INVALID = "invalid"

# Reasons attached to non-executed intents.
REASON_MIN_OUTPUT = "min_output"
REASON_UNKNOWN_PAIR = "unknown_pair"
REASON_SAME_TOKEN = "same_token"
REASON_BAD_AMOUNT = "bad_amount"
REASON_BAD_MIN_OUTPUT = "bad_min_output"
REASON_BAD_ROUTE = "bad_route"

# Routed clearing: plain fixed-point rounds before the leg-2 amounts may only shrink
# (docs/CLEARING.md "Routes"); in practice the plain rounds converge in a handful.
PLAIN_ROUNDS = 12

__all__ = [
    "BPS",
    "DROPPED",
    "EXECUTED",
    "INVALID",
    "TRANSIT",
    "BatchResult",
    "ClearingInvariantError",
    "Flow",
    "Intent",
    "IntentResult",
    "Leg",
    "Move",
    "PairResult",
    "Pool",
    "PoolLeg",
    "amm_out",
    "clear",
    "clearing_price",
    "format_price",
    "settlement_moves",
]


class ClearingInvariantError(RuntimeError):
    """An internal money invariant failed. Never expected; the batch must not settle."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_token(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str, got {value!r}")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Intent:
    """One decrypted swap intent: sell ``amount_in`` of ``token_in`` for at least
    ``min_output`` of ``token_out``.

    ``via``: the intermediate asset of a two-pool route (``token_in → via →
    token_out``), None for a direct swap.

    Only types are checked here. Bad values (``amount_in <= 0``, ``min_output < 0``,
    ``token_in == token_out``, ``via`` equal to either end) are reported by ``clear``
    as ``invalid`` intents, so a single malformed sealed intent cannot abort a whole
    batch.
    """

    id: int
    token_in: str
    token_out: str
    amount_in: int
    min_output: int
    via: str | None = None

    def __post_init__(self) -> None:
        if not _is_int(self.id):
            raise TypeError(f"id must be an int, got {self.id!r}")
        _check_token("token_in", self.token_in)
        _check_token("token_out", self.token_out)
        if not _is_int(self.amount_in):
            raise TypeError(f"amount_in must be an int, got {self.amount_in!r}")
        if not _is_int(self.min_output):
            raise TypeError(f"min_output must be an int, got {self.min_output!r}")
        if self.via is not None:
            _check_token("via", self.via)

    @property
    def route(self) -> tuple[str, ...]:
        if self.via is None:
            return (self.token_in, self.token_out)
        return (self.token_in, self.via, self.token_out)


@dataclass(frozen=True, slots=True)
class Pool:
    """A constant-product pool for one unordered pair (either token order is fine).

    Preconditions (``ValueError`` otherwise): distinct tokens, reserves > 0,
    ``0 <= fee_bps < 10000`` (a pool keeping 100% of the input has no price).
    """

    token_a: str
    token_b: str
    reserve_a: int
    reserve_b: int
    fee_bps: int

    def __post_init__(self) -> None:
        _check_token("token_a", self.token_a)
        _check_token("token_b", self.token_b)
        if self.token_a == self.token_b:
            raise ValueError(f"pool tokens must differ, got {self.token_a!r} twice")
        for name in ("reserve_a", "reserve_b", "fee_bps"):
            if not _is_int(getattr(self, name)):
                raise TypeError(f"{name} must be an int, got {getattr(self, name)!r}")
        if self.reserve_a <= 0 or self.reserve_b <= 0:
            raise ValueError("pool reserves must be > 0")
        if not 0 <= self.fee_bps < BPS:
            raise ValueError(f"fee_bps must be in [0, {BPS}), got {self.fee_bps}")


# -------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class Leg:
    """One swap of an executed intent in one pair (a route has two)."""

    token_in: str
    token_out: str
    amount_in: int
    amount_out: int


@dataclass(frozen=True, slots=True)
class IntentResult:
    """Outcome of one intent. ``amount_out`` is 0 unless ``status == "executed"``.

    ``reason``: None when executed; ``"min_output"`` when dropped; for invalid
    intents one of ``"unknown_pair"``, ``"same_token"``, ``"bad_amount"``,
    ``"bad_min_output"``, ``"bad_route"``. ``legs``: the swaps of an executed
    intent, one per pool of its route (a route's second leg sells exactly what its
    first leg bought).
    """

    id: int
    status: str
    amount_out: int = 0
    reason: str | None = None
    legs: tuple[Leg, ...] = ()


@dataclass(frozen=True, slots=True)
class Flow:
    """The executed intents of one direction of a pair and their totals."""

    token_in: str
    token_out: str
    executed: tuple[int, ...]
    volume_in: int
    volume_out: int


@dataclass(frozen=True, slots=True)
class PoolLeg:
    """The single trade against the pool: the net imbalance of the two flows."""

    token_in: str
    token_out: str
    amount_in: int
    amount_out: int


@dataclass(frozen=True, slots=True)
class PairResult:
    """Settlement of one pair. ``token_in < token_out`` (sorted codes, canonical).

    ``clearing_price``: units of ``token_out`` per unit of ``token_in`` (smallest
    units), ``None`` when nothing executed. ``forward`` is the token_in→token_out
    flow, ``reverse`` the token_out→token_in flow. ``reserves_after`` already
    includes ``dust``. ``rounds``: drop-loop rounds that dropped something.
    """

    token_in: str
    token_out: str
    fee_bps: int
    clearing_price: Fraction | None
    executed: tuple[int, ...]
    dropped: tuple[int, ...]
    forward: Flow
    reverse: Flow
    pool_leg: PoolLeg | None
    reserves_before: dict[str, int]
    reserves_after: dict[str, int]
    dust: dict[str, int]
    rounds: int

    def price_str(self, places: int = 18, *, decimals_in: int = 0, decimals_out: int = 0) -> str:
        """``clearing_price`` as a decimal string (see ``format_price``); "" if none."""
        if self.clearing_price is None:
            return ""
        return format_price(
            self.clearing_price, places, decimals_in=decimals_in, decimals_out=decimals_out
        )


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Whole-batch outcome: pairs sorted by (token_in, token_out), intents by id."""

    pairs: tuple[PairResult, ...]
    intents: tuple[IntentResult, ...]

    def intent(self, intent_id: int) -> IntentResult:
        """The result of one intent (``KeyError`` if it was not in the batch)."""
        k = bisect.bisect_left(self.intents, intent_id, key=lambda r: r.id)
        if k == len(self.intents) or self.intents[k].id != intent_id:
            raise KeyError(intent_id)
        return self.intents[k]

    def pair(self, token_x: str, token_y: str) -> PairResult | None:
        """The result for the unordered pair {token_x, token_y}, if it had valid intents."""
        key = tuple(sorted((token_x, token_y)))
        for p in self.pairs:
            if (p.token_in, p.token_out) == key:
                return p
        return None

    @property
    def dust(self) -> dict[str, int]:
        """Total dust per asset over all pairs (already inside each pair's reserves)."""
        total: dict[str, int] = {}
        for p in self.pairs:
            for asset, amount in p.dust.items():
                total[asset] = total.get(asset, 0) + amount
        return dict(sorted(total.items()))


# ------------------------------------------------------------------------ the math


def amm_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int) -> int:
    """Constant-product output with fee, exact integers, rounded down:

    ``floor(reserve_out * in_after_fee / (reserve_in + in_after_fee))`` with
    ``in_after_fee = amount_in * (10000 - fee_bps) / 10000`` (kept as a fraction:
    numerator and denominator are both scaled by 10000, so nothing is rounded
    before the final floor).
    """
    if amount_in < 0:
        raise ValueError("amount_in must be >= 0")
    scaled_in = amount_in * (BPS - fee_bps)
    return reserve_out * scaled_in // (reserve_in * BPS + scaled_in)


def _price_terms(ra: int, rb: int, g: int, sa: int, sb: int) -> tuple[int, int] | None:
    """Equilibrium price p = num/den (token_b per token_a), unreduced, or None.

    ``ra, rb``: reserves; ``g = 10000 - fee_bps`` (> 0); ``sa``/``sb``: total
    amount_in of the A→B / B→A intents. See docs/CLEARING.md "How p is found".
    """
    if sa == 0 and sb == 0:
        return None
    if g * rb * sa > BPS * sb * ra:
        # A-side excess: net A goes into the pool. Solving F(x) = p*x with
        # x = sa - sb/p and F the real constant-product curve gives this p,
        # which is F(x)/x: the pool's effective price of the net leg.
        return g * (rb + sb), BPS * ra + g * sa
    if g * ra * sb > BPS * sa * rb:
        # B-side excess: the mirror image (net B goes into the pool).
        return BPS * rb + g * sb, g * (ra + sa)
    # The flows cross inside the pool's fee band: trading with the pool would only
    # pay a fee, so they match each other entirely and p = sb/sa (both > 0 here).
    return sb, sa


def clearing_price(
    reserve_a: int, reserve_b: int, fee_bps: int, volume_a: int, volume_b: int
) -> Fraction | None:
    """The uniform price (token_b per token_a) for the given executed volumes.

    ``volume_a``: total amount_in of A→B intents, ``volume_b``: of B→A intents.
    None when both are 0. Non-increasing in ``volume_a``, non-decreasing in
    ``volume_b`` (the monotonicity the drop loop relies on). Useful for quotes.
    """
    terms = _price_terms(reserve_a, reserve_b, BPS - fee_bps, volume_a, volume_b)
    return None if terms is None else Fraction(*terms)


def format_price(
    price: Fraction, places: int = 18, *, decimals_in: int = 0, decimals_out: int = 0
) -> str:
    """Decimal string of a non-negative price, truncated (toward zero) to ``places``.

    With ``decimals_in``/``decimals_out`` (the assets' decimals) the price is shown
    per whole unit: ``price * 10**(decimals_in - decimals_out)``. Trailing zeros are
    stripped. Display only: settle with the exact ``Fraction``.
    """
    if price < 0:
        raise ValueError("price must be >= 0")
    if places < 0:
        raise ValueError("places must be >= 0")
    scaled = Fraction(price) * Fraction(10) ** (decimals_in - decimals_out)
    units = scaled.numerator * 10**places // scaled.denominator
    whole, frac = divmod(units, 10**places)
    digits = str(frac).rjust(places, "0").rstrip("0") if places else ""
    return f"{whole}.{digits}" if digits else str(whole)


def _largest_true(hi: int, ok: Callable[[int], bool]) -> int:
    """Largest k in [0, hi] with ok(k), given ok(0) is True and ok is prefix-closed."""
    if ok(hi):
        return hi
    lo = 0  # ok(lo) is True, ok(hi) is False
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


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


@dataclass(frozen=True, slots=True)
class _Solution:
    """A pair's drop loop outcome: the first ``i``/``j`` direct intents of each side
    execute (with every route leg), at the price ``terms`` (None: nothing trades)."""

    i: int
    j: int
    terms: tuple[int, int] | None
    rounds: int


def _pay(amount_in: int, terms: tuple[int, int], sells_a: bool) -> int:
    """What ``amount_in`` receives at the price ``terms`` (token_b per token_a):
    ``floor(amount_in * p)`` selling token_a, ``floor(amount_in / p)`` selling token_b."""
    num, den = terms
    return amount_in * num // den if sells_a else amount_in * den // num


class _Book:
    """One pair's direct intents, put in price priority and summed once per batch.

    Route legs are price takers (limit 0, never dropped). In priority order they sit
    among the direct intents of limit 0, which are always executed, so the drop loop
    sees a leg only through the volume it adds to its side: ``solve`` takes those two
    volumes and works on the direct intents' prefix sums, two binary searches a
    round. The routes' fixed point thus re-solves a pair without sorting it again,
    and only when its legs' volumes changed (memoised).
    """

    def __init__(self, pool: Pool, direct: list[Intent]):
        self.pool = pool  # canonical: token_a < token_b
        self.side_a = _priority([x for x in direct if x.token_in == pool.token_a])
        self.side_b = _priority([x for x in direct if x.token_in != pool.token_a])
        self.pre_a = [0, *accumulate(x.amount_in for x in self.side_a)]
        self.pre_b = [0, *accumulate(x.amount_in for x in self.side_b)]
        # Limit 0 sorts first; these intents are satisfied at any price.
        self.free_a = sum(1 for x in self.side_a if x.min_output == 0)
        self.free_b = sum(1 for x in self.side_b if x.min_output == 0)
        self.solutions: dict[tuple[int, int], _Solution] = {}

    def solve(self, legs_a: int, legs_b: int) -> _Solution:
        """The drop loop with route legs selling ``legs_a`` of token_a and ``legs_b``
        of token_b in total."""
        if (legs_a, legs_b) not in self.solutions:
            self.solutions[(legs_a, legs_b)] = self._drop_loop(legs_a, legs_b)
        return self.solutions[(legs_a, legs_b)]

    def _drop_loop(self, legs_a: int, legs_b: int) -> _Solution:
        side_a, side_b, pre_a, pre_b = self.side_a, self.side_b, self.pre_a, self.pre_b
        ta, tb = self.pool.token_a, self.pool.token_b
        ra, rb, g = self.pool.reserve_a, self.pool.reserve_b, BPS - self.pool.fee_bps

        # "Intent k of a side is satisfied at p" in exact integers:
        #   A→B: floor(a*p) >= m  <=>  a*p >= m  <=>  m*den <= a*num
        #   B→A: floor(b/p) >= m  <=>  b/p >= m  <=>  m*num <= b*den
        # A prefix ending within the limit-0 intents (and the legs) is satisfied at
        # any price.
        def price_terms(i: int, j: int) -> tuple[int, int]:
            terms = _price_terms(ra, rb, g, pre_a[i] + legs_a, pre_b[j] + legs_b)
            if terms is None:  # pragma: no cover - callers pass i > 0 or j > 0
                raise ClearingInvariantError("no price for an empty set")
            return terms

        def ok_a(j: int, i: int) -> bool:  # (j, i): partial() binds the other side
            if i <= self.free_a:
                return True
            num, den = price_terms(i, j)
            x = side_a[i - 1]
            return x.min_output * den <= x.amount_in * num

        def ok_b(i: int, j: int) -> bool:
            if j <= self.free_b:
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
        terms = _price_terms(ra, rb, g, pre_a[i] + legs_a, pre_b[j] + legs_b)
        return _Solution(i, j, terms, rounds)

    def settle(
        self, legs_a: list[Intent], legs_b: list[Intent]
    ) -> tuple[PairResult, list[IntentResult]]:
        """The pair cleared with these route legs (valid, limit 0) next to its direct
        intents."""
        ta, tb = self.pool.token_a, self.pool.token_b
        ra, rb, fee = self.pool.reserve_a, self.pool.reserve_b, self.pool.fee_bps
        legs_in_a, legs_in_b = sum(x.amount_in for x in legs_a), sum(x.amount_in for x in legs_b)
        solution = self.solve(legs_in_a, legs_in_b)
        taken_a = [*legs_a, *self.side_a[: solution.i]]
        taken_b = [*legs_b, *self.side_b[: solution.j]]
        left = (*self.side_a[solution.i :], *self.side_b[solution.j :])
        i, j = len(taken_a), len(taken_b)
        sa, sb = legs_in_a + self.pre_a[solution.i], legs_in_b + self.pre_b[solution.j]
        terms = solution.terms

        results: list[IntentResult] = []
        outs_a: list[int] = []  # token_b paid to A→B intents
        outs_b: list[int] = []  # token_a paid to B→A intents
        leg: PoolLeg | None = None
        pool_in_a = pool_out_a = pool_in_b = pool_out_b = 0
        price: Fraction | None = None
        if terms is not None:
            num, den = terms
            price = Fraction(num, den)
            outs_a = [x.amount_in * num // den for x in taken_a]
            outs_b = [x.amount_in * den // num for x in taken_b]
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
        for x, out in zip(taken_a, outs_a, strict=True):
            if out < x.min_output:
                raise ClearingInvariantError(f"intent {x.id}: paid below min_output")
        for x, out in zip(taken_b, outs_b, strict=True):
            if out < x.min_output:
                raise ClearingInvariantError(f"intent {x.id}: paid below min_output")

        executed_a = tuple(sorted(x.id for x in taken_a))
        executed_b = tuple(sorted(x.id for x in taken_b))
        dropped = tuple(sorted(x.id for x in left))
        for x, out in (*zip(taken_a, outs_a, strict=True), *zip(taken_b, outs_b, strict=True)):
            swap = Leg(x.token_in, x.token_out, x.amount_in, out)
            results.append(IntentResult(x.id, EXECUTED, out, legs=(swap,)))
        for x in left:
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
            rounds=solution.rounds,
        )
        return pair, results


def _canonical(pool: Pool) -> Pool:
    if pool.token_a < pool.token_b:
        return pool
    return Pool(pool.token_b, pool.token_a, pool.reserve_b, pool.reserve_a, pool.fee_bps)


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


def _pair_key(token_x: str, token_y: str) -> tuple[str, str]:
    return (token_x, token_y) if token_x < token_y else (token_y, token_x)


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
        grouped: dict[tuple[str, str], list[Intent]] = {}
        for x in direct:
            grouped.setdefault(_pair_key(x.token_in, x.token_out), []).append(x)
        self.books = {key: _Book(by_pair[key], xs) for key, xs in grouped.items()}
        self.direct_pairs = tuple(grouped)
        self.routed = routed
        # Per route: (pair, sells its token_a) of the first leg, then of the second.
        self.legs = {
            r.id: (
                (_pair_key(r.token_in, r.via), r.token_in < r.via),
                (_pair_key(r.via, r.token_out), r.via < r.token_out),
            )
            for r in routed
        }

    def _book(self, key: tuple[str, str]) -> _Book:
        if key not in self.books:  # a pair that only routes cross
            self.books[key] = _Book(self.by_pair[key], [])
        return self.books[key]

    def _run(self, active: list[Intent], forward: dict[int, int]):
        """The price of every pair the legs cross, with the first legs of `active` and
        second legs selling `forward[id]`, and what each first leg bought."""
        volumes: dict[tuple[str, str], list[int]] = {}  # pair -> legs' [token_a, token_b]
        for r in active:
            (first, first_a), (second, second_a) = self.legs[r.id]
            volumes.setdefault(first, [0, 0])[0 if first_a else 1] += r.amount_in
            if forward[r.id] > 0:
                volumes.setdefault(second, [0, 0])[0 if second_a else 1] += forward[r.id]
        prices = {key: self._book(key).solve(a, b).terms for key, (a, b) in volumes.items()}
        bought = {}
        for r in active:
            first, first_a = self.legs[r.id][0]
            bought[r.id] = _pay(r.amount_in, prices[first], first_a)
        return prices, bought

    def _fixed_point(self, active: list[Intent], start: dict[int, int]):
        """The second-leg amounts `b` with `b == bought(b)`, or after PLAIN_ROUNDS
        rounds without it, the first `b <= bought(b)` reached by only ever lowering
        `b` (it ends: non-negative integers that strictly fall). A first leg's surplus
        over `b` stays in its pool as dust."""
        forward = {r.id: start.get(r.id, 0) for r in active}
        rounds = 0
        while True:
            prices, bought = self._run(active, forward)
            if bought == forward or (
                rounds > PLAIN_ROUNDS and all(bought[k] >= b for k, b in forward.items())
            ):
                return prices, forward, bought
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
            prices, forward, bought = self._fixed_point(active, forward)
            finals = {}
            for r in active:
                second, second_a = self.legs[r.id][1]
                finals[r.id] = _pay(forward[r.id], prices[second], second_a) if forward[r.id] else 0
            # A route whose first leg buys nothing has no second leg: it is short too.
            short = {r.id for r in active if finals[r.id] < r.min_output or not forward[r.id]}
            if not short:
                break
            dropped.extend(r for r in active if r.id in short)
            active = [r for r in active if r.id not in short]
        else:  # pragma: no cover - impossible: every round drops at least one route
            raise ClearingInvariantError("route drop loop did not converge")

        # Each pair cleared once more, in full, with the legs of the executed routes.
        legs: dict[tuple[str, str], tuple[list[Intent], list[Intent]]] = {
            key: ([], []) for key in self.direct_pairs
        }
        surplus: dict[tuple[str, str], dict[str, int]] = {}
        results: list[IntentResult] = []
        for r in active:
            b, out = forward[r.id], finals[r.id]
            (first, first_a), (second, second_a) = self.legs[r.id]
            legs.setdefault(first, ([], []))[0 if first_a else 1].append(
                Intent(r.id, r.token_in, r.via, r.amount_in, 0)
            )
            legs.setdefault(second, ([], []))[0 if second_a else 1].append(
                Intent(r.id, r.via, r.token_out, b, 0)
            )
            extra = surplus.setdefault(first, {})
            extra[r.via] = extra.get(r.via, 0) + bought[r.id] - b
            swaps = (Leg(r.token_in, r.via, r.amount_in, b), Leg(r.via, r.token_out, b, out))
            results.append(IntentResult(r.id, EXECUTED, out, legs=swaps))
            if out < r.min_output:  # pragma: no cover - the loop above ensures it
                raise ClearingInvariantError(f"intent {r.id}: paid below min_output")
        results.extend(IntentResult(r.id, DROPPED, 0, REASON_MIN_OUTPUT) for r in dropped)
        routed_ids = {r.id for r in self.routed}
        pairs = []
        for key in sorted(legs):
            pair, cleared = self._book(key).settle(*legs[key])
            results.extend(r for r in cleared if r.id not in routed_ids)
            pairs.append(_keep_surplus(pair, surplus.get(key, {})))
        return pairs, results


def _keep_surplus(pair: PairResult, surplus: dict[str, int]) -> PairResult:
    """The pair with its routes' first-leg surplus (bought above what the route sold on)
    kept by the pool as dust; conservation is checked again."""
    if any(surplus.values()):
        flows = {pair.forward.token_out: "forward", pair.reverse.token_out: "reverse"}
        changes = {}
        for asset, extra in surplus.items():
            flow = getattr(pair, flows[asset])
            changes[flows[asset]] = replace(flow, volume_out=flow.volume_out - extra)
        pair = replace(
            pair,
            dust={a: d + surplus.get(a, 0) for a, d in pair.dust.items()},
            reserves_after={a: r + surplus.get(a, 0) for a, r in pair.reserves_after.items()},
            **changes,
        )
    for flow, other in ((pair.forward, pair.reverse), (pair.reverse, pair.forward)):
        asset = flow.token_in
        if (
            flow.volume_in + pair.reserves_before[asset]
            != other.volume_out + pair.reserves_after[asset]
        ):
            raise ClearingInvariantError(f"{pair.token_in}/{pair.token_out}: value not conserved")
    return pair


TRANSIT = ("transit",)


@dataclass(frozen=True, slots=True)
class Move:
    """One ledger movement of a settlement. ``source``/``target``: ``("hold", id)``
    (an intent's lock), ``("user", id)`` (an intent's owner), ``("pool", (a, b))`` or
    ``TRANSIT`` (an account that is empty before and after every settlement).
    ``kind``: ``in`` (lock → pool), ``route`` (a route's intermediate asset, netted
    per pool: pool → transit, then transit → pool; ``intent_id`` is None), ``out``
    (pool → user)."""

    kind: str
    intent_id: int | None
    asset: str
    amount: int
    source: tuple
    target: tuple


def settlement_moves(result: BatchResult) -> list[Move]:
    """The ledger movements that settle `result`, in an order in which no account is
    ever asked for more than it holds: every input, then each pool's net hand-over of
    routes' intermediate assets into the transit, then the transit's out to the pools
    that receive net, then the payouts. (Per-route hand-overs could not always be
    ordered: two routes in opposite directions may each need the other's first.) A
    bulk ledger path may apply them as one set."""
    moves: list[Move] = []
    outs: list[Move] = []
    net: dict[tuple, int] = {}  # (pool, asset) -> routes' intermediate asset in - out
    for r in result.intents:
        if r.status != EXECUTED:
            continue
        first, last = r.legs[0], r.legs[-1]
        pool_in = ("pool", _pair_key(first.token_in, first.token_out))
        pool_out = ("pool", _pair_key(last.token_in, last.token_out))
        moves.append(Move("in", r.id, first.token_in, first.amount_in, ("hold", r.id), pool_in))
        if len(r.legs) == 2:
            net[(pool_in, first.token_out)] = (
                net.get((pool_in, first.token_out), 0) - first.amount_out
            )
            net[(pool_out, first.token_out)] = (
                net.get((pool_out, first.token_out), 0) + first.amount_out
            )
        if last.amount_out:
            outs.append(
                Move("out", r.id, last.token_out, last.amount_out, pool_out, ("user", r.id))
            )
    # A pool ends at reserves_after >= 0 after paying its net hand-over and its payouts
    # from what it held plus every input, so each net payer can pay before receiving.
    ordered = sorted(net.items())
    moves += [Move("route", None, a, -n, pool, TRANSIT) for (pool, a), n in ordered if n < 0]
    moves += [Move("route", None, a, n, TRANSIT, pool) for (pool, a), n in ordered if n > 0]
    return moves + outs
