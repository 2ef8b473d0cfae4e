"""Routes of at most two pools and quotes along them. Pure, like clearing.py: standard
library only, exact integers and fractions (docs/CLEARING.md "Routes" and "Quotes").

A route is a tuple of assets: ``(A, B)`` through the A/B pool, or ``(A, M, B)``
through A/M then M/B. Intents between assets with a pool go direct; others take the
two-pool route that pays most for the amount at the pools' current reserves (ties:
the lower intermediate code), so the route an intent settles on is decided when it is
submitted, from public data only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from math import prod

from .clearing import BPS, Pool, amm_out

__all__ = ["Quote", "best_route", "quote", "sandwiched_output", "suggested_min_output"]


def _pools_by_pair(pools: Iterable[Pool]) -> dict[frozenset[str], Pool]:
    return {frozenset((p.token_a, p.token_b)): p for p in pools}


def _reserves(pool: Pool, token_in: str) -> tuple[int, int]:
    """(reserve of token_in, reserve of the other token)."""
    if token_in == pool.token_a:
        return pool.reserve_a, pool.reserve_b
    return pool.reserve_b, pool.reserve_a


def _walk(route: tuple[str, ...], by_pair: dict[frozenset[str], Pool], amount_in: int) -> int:
    amount = amount_in
    for t, u in pairwise(route):
        pool = by_pair[frozenset((t, u))]
        amount = amm_out(amount, *_reserves(pool, t), pool.fee_bps)
    return amount


def best_route(
    token_in: str, token_out: str, pools: Iterable[Pool], amount_in: int
) -> tuple[str, ...] | None:
    """The route an intent of `amount_in` takes, or None if the assets are not joined
    by at most two pools (or are the same)."""
    if token_in == token_out:
        return None
    by_pair = _pools_by_pair(pools)
    if frozenset((token_in, token_out)) in by_pair:
        return (token_in, token_out)
    vias = sorted(
        {a for key in by_pair if token_in in key for a in key}
        & {a for key in by_pair if token_out in key for a in key} - {token_in, token_out}
    )
    if not vias:
        return None
    # max() keeps the first of equal outputs: the lowest intermediate code.
    return max(
        ((token_in, via, token_out) for via in vias),
        key=lambda route: _walk(route, by_pair, amount_in),
    )


@dataclass(frozen=True, slots=True)
class Quote:
    """What a lone intent of `amount_in` would receive along `route` at the current
    reserves. `fee`: the pools' fees in units of the input asset (`fee_bps` of it);
    `price_impact_bps`: how far below the fee-adjusted spot rate the estimate is."""

    route: tuple[str, ...]
    amount_in: int
    amount_out: int
    fee: int
    fee_bps: int
    price_impact_bps: int


def quote(route: tuple[str, ...], pools: Iterable[Pool], amount_in: int) -> Quote:
    """Quote `amount_in` along `route` (every hop must have a pool; `amount_in > 0`)."""
    if amount_in <= 0:
        raise ValueError("amount_in must be > 0")
    by_pair = _pools_by_pair(pools)
    hops = [(t, by_pair[frozenset((t, u))]) for t, u in pairwise(route)]
    kept = Fraction(prod(BPS - p.fee_bps for _, p in hops), BPS ** len(hops))
    spot = prod(
        (Fraction(_reserves(p, t)[1], _reserves(p, t)[0]) for t, p in hops), start=Fraction(1)
    )
    amount_out = _walk(route, by_pair, amount_in)
    ideal = amount_in * spot * kept  # no price impact, fees paid
    impact = (ideal - amount_out) / ideal if ideal else Fraction(0)
    return Quote(
        route=route,
        amount_in=amount_in,
        amount_out=amount_out,
        fee=int(amount_in * (1 - kept)),
        fee_bps=int((1 - kept) * BPS),
        price_impact_bps=max(0, int(impact * BPS)),
    )


def suggested_min_output(amount_out: int, slippage_bps: int) -> int:
    """`amount_out` less `slippage_bps`, rounded down: never above the estimate."""
    if not 0 <= slippage_bps <= BPS:
        raise ValueError("slippage_bps must be in 0..10000")
    return amount_out * (BPS - slippage_bps) // BPS


def sandwiched_output(
    route: tuple[str, ...], pools: Iterable[Pool], amount_in: int, min_output: int
) -> int:
    """What the same swap would receive on the pools alone (reserves before the batch)
    if an optimal front-runner sandwiched it: the attacker buys ahead until the victim
    gets exactly its `min_output` — more would make the swap fail, less leaves profit
    unused — so the victim receives `min_output`; if even the unsandwiched swap pays
    less than that, it could not be sandwiched and receives the unsandwiched amount
    (docs/CLEARING.md "MEV saved")."""
    return min(min_output, _walk(route, _pools_by_pair(pools), amount_in))
