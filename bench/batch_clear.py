"""Benchmark the batch-auction clearing (marketplace/intents/clearing.py). No Django.

Builds deterministic pseudo-random batches of 1,000 and 10,000 intents over four
pairs, about 10% of them with an unsatisfiable min_output and 20% with a tight
one (so the drop loop runs), and times ``clear`` (best of 3).

    .venv/bin/python bench/batch_clear.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace.intents.clearing import Intent, Pool, clear

DECIMALS = {"DOT": 10, "USDT": 6, "ETH": 18, "KSM": 12}


def unit(asset: str) -> int:
    return 10 ** DECIMALS[asset]


# (token_a, token_b, whole units of a, whole units of b, fee_bps, share of a→b intents %)
POOLS = [
    ("DOT", "USDT", 2_000_000, 10_000_000, 30, 60),
    ("DOT", "ETH", 1_500_000, 2_500, 30, 45),
    ("ETH", "USDT", 5_000, 15_000_000, 5, 50),
    ("DOT", "KSM", 800_000, 200_000, 100, 70),
]


def build_pools() -> list[Pool]:
    return [Pool(a, b, ua * unit(a), ub * unit(b), fee) for a, b, ua, ub, fee, _ in POOLS]


def build_intents(n: int, seed: int = 20240601) -> list[Intent]:
    """n intents spread over POOLS; amounts from 0.01 to 2,000 whole units."""
    rng = random.Random(seed)
    intents = []
    for k in range(n):
        a, b, ua, ub, _fee, share_ab = POOLS[k % len(POOLS)]
        if rng.randrange(100) < share_ab:
            t_in, t_out, r_in, r_out = a, b, ua * unit(a), ub * unit(b)
        else:
            t_in, t_out, r_in, r_out = b, a, ub * unit(b), ua * unit(a)
        # Value of ~0.01 .. 2,000 units of token_a, expressed in token_in.
        whole_a = rng.randrange(1, 200_000)  # hundredths of a unit of token_a
        amount_in = max(1, whole_a * unit(a) // 100)
        if t_in != a:
            amount_in = max(1, amount_in * r_in // r_out)
        spot_out = amount_in * r_out // r_in  # spot value, integer
        roll = rng.randrange(100)
        if roll < 40:
            min_output = 0
        elif roll < 70:  # loose: 90-98% of spot
            min_output = spot_out * rng.randrange(9_000, 9_800) // 10_000
        elif roll < 90:  # tight: 99.0-100.2% of spot
            min_output = spot_out * rng.randrange(9_900, 10_020) // 10_000
        else:  # unsatisfiable: 150% of spot
            min_output = spot_out * 3 // 2 + 1
        intents.append(Intent(k + 1, t_in, t_out, amount_in, min_output))
    rng.shuffle(intents)  # arrival order must not matter
    return intents


def best_of(runs: int, intents: list[Intent], pools: list[Pool]) -> float:
    best = float("inf")  # a duration, not money
    for _ in range(runs):
        start = time.perf_counter()
        clear(intents, pools)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    pools = build_pools()
    timings = {}
    for n in (1_000, 10_000):
        intents = build_intents(n)
        result = clear(intents, pools)
        counts = {"executed": 0, "dropped": 0, "invalid": 0}
        for r in result.intents:
            counts[r.status] += 1
        t = best_of(3, intents, pools)
        timings[n] = t
        rounds = ", ".join(f"{p.token_in}/{p.token_out}:{p.rounds}" for p in result.pairs)
        print(
            f"n={n:>6}: best of 3 = {t * 1000:8.1f} ms  ({n / t:,.0f} intents/s)  "
            f"executed={counts['executed']} dropped={counts['dropped']} "
            f"invalid={counts['invalid']}  drop rounds [{rounds}]"
        )
    ratio = timings[10_000] / timings[1_000]
    print(f"t(10k)/t(1k) = {ratio:.2f}  (budget: t(10k) <= 2 s, ratio <= 15)")


if __name__ == "__main__":
    main()
