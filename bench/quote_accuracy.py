"""How honest is the quote? Quote error against the executed amount. No Django.

Random batches over the demo's pools (DOT, KSM and ASTR against USDT, 30 bps; so
DOT/KSM/ASTR trade with each other through two pools). Every intent is quoted the way
`GET /api/quote` does (`routing.best_route` + `routing.quote` at the reserves before
the batch, `min_output` = the suggested minimum at a random slippage of 10-300 bps);
then the batch is cleared and, for each executed intent,

    error = (amount_out - amount_out_estimate) / amount_out_estimate

in basis points (positive: the batch paid more than quoted). Intents the batch drops
(their minimum not met) are counted apart. The baseline, in the same run, is the
naive estimate with no price impact: the amount at the pools' spot rates less fees.

    .venv/bin/python bench/quote_accuracy.py
"""

from __future__ import annotations

import random
import statistics
import sys
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.intents import routing
from marketplace.intents.clearing import BPS, EXECUTED, Intent, Pool, clear

DECIMALS = {"DOT": 10, "USDT": 6, "KSM": 12, "ASTR": 12}
# marketplace/intents/demo.py: (asset, whole units, whole USDT)
POOLS = [("DOT", 10_000, 50_000), ("KSM", 2_500, 50_000), ("ASTR", 1_000_000, 50_000)]
USDT_PER_UNIT = {"USDT": Fraction(1), **{a: Fraction(usdt, units) for a, units, usdt in POOLS}}
ASSETS = sorted(USDT_PER_UNIT)
BATCHES = 300  # per batch size
SIZES = (1, 2, 10, 50)  # intents per batch
# The largest trade, as a share of the DOT pool's depth (50,000 USDT a side).
MAX_TRADE_USDT = 1_000


def pools() -> list[Pool]:
    return [
        Pool(a, "USDT", units * 10 ** DECIMALS[a], usdt * 10**6, 30) for a, units, usdt in POOLS
    ]


def amount_worth(asset: str, usdt: Fraction) -> int:
    return max(1, int(usdt / USDT_PER_UNIT[asset] * 10 ** DECIMALS[asset]))


def naive_estimate(route: tuple[str, ...], by_pair: dict, amount_in: int) -> Fraction:
    """The amount at the spot rates, fees paid, no price impact."""
    amount = Fraction(amount_in)
    for t, u in pairwise(route):
        pool = by_pair[frozenset((t, u))]
        r_in, r_out = pool.reserve_a, pool.reserve_b
        if t != pool.token_a:
            r_in, r_out = r_out, r_in
        amount = amount * r_out / r_in * (BPS - pool.fee_bps) / BPS
    return amount


def one_batch(rng: random.Random, size: int, ps: list[Pool]) -> tuple[list, list, int]:
    """(quote errors, naive errors, dropped) of one random batch, in bps."""
    by_pair = {frozenset((p.token_a, p.token_b)): p for p in ps}
    intents, quoted, naive = [], {}, {}
    for k in range(size):
        token_in, token_out = rng.sample(ASSETS, 2)
        # Log-uniform trade sizes: 1 to MAX_TRADE_USDT worth, most of them small.
        usdt = Fraction(round(MAX_TRADE_USDT ** rng.random() * 100), 100)
        amount_in = amount_worth(token_in, usdt)
        route = routing.best_route(token_in, token_out, ps, amount_in)
        q = routing.quote(route, ps, amount_in)
        slippage = rng.randrange(10, 301)
        min_output = routing.suggested_min_output(q.amount_out, slippage)
        via = route[1] if len(route) == 3 else None
        intents.append(Intent(k + 1, token_in, token_out, amount_in, min_output, via=via))
        quoted[k + 1] = q.amount_out
        naive[k + 1] = naive_estimate(route, by_pair, amount_in)
    result = clear(intents, ps)
    errors, naive_errors, dropped = [], [], 0
    for r in result.intents:
        if r.status != EXECUTED:
            dropped += 1
            continue
        if quoted[r.id] > 0:
            errors.append(float(Fraction(r.amount_out - quoted[r.id], quoted[r.id]) * BPS))
            naive_errors.append(float((r.amount_out - naive[r.id]) / naive[r.id] * BPS))
    return errors, naive_errors, dropped


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    rng = random.Random(20261203)
    ps = pools()
    print(f"{BATCHES} random batches per size; errors in bps of the estimate")
    print(
        "intents/batch  executed  dropped | |quote error| median  p95 | "
        "signed median  p5 (worst) | |naive error| median  p95 | ratio of medians"
    )
    for size in SIZES:
        errors, naive_errors, dropped = [], [], 0
        for _ in range(BATCHES):
            e, n, d = one_batch(rng, size, ps)
            errors += e
            naive_errors += n
            dropped += d
        abs_q = [abs(e) for e in errors]
        abs_n = [abs(e) for e in naive_errors]
        median_q, median_n = statistics.median(abs_q), statistics.median(abs_n)
        print(
            f"{size:>13}  {len(errors):>8}  {dropped:>7} | "
            f"{median_q:>20.1f}  {percentile(abs_q, 95):>4.1f} | "
            f"{statistics.median(errors):>+13.1f}  {percentile(errors, 5):>+10.1f} | "
            f"{median_n:>20.1f}  {percentile(abs_n, 95):>4.1f} | "
            f"{median_q / median_n:>16.2f}"
        )


if __name__ == "__main__":
    main()
