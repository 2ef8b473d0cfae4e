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


# (end, end, intermediate): assets with no pool of their own, routed through two pools.
ROUTES = [("KSM", "USDT", "DOT"), ("KSM", "ETH", "DOT")]


def reserves(token_in: str, token_out: str) -> tuple[int, int]:
    """(reserve of token_in, reserve of token_out) of the pool joining them."""
    for a, b, ua, ub, _fee, _share in POOLS:
        if (a, b) == (token_in, token_out):
            return ua * unit(a), ub * unit(b)
        if (b, a) == (token_in, token_out):
            return ub * unit(b), ua * unit(a)
    raise KeyError((token_in, token_out))


def build_intents(n: int, seed: int = 20240601, routed_percent: int = 0) -> list[Intent]:
    """n intents spread over POOLS, `routed_percent` of them over ROUTES instead;
    amounts worth 0.01 to 2,000 whole units of the pool's token_a (a route's: DOT)."""
    rng = random.Random(seed)
    intents = []
    for k in range(n):
        a, b, _ua, _ub, _fee, share_ab = POOLS[k % len(POOLS)]
        via = None
        if routed_percent and rng.randrange(100) < routed_percent:
            t_in, t_out, via = ROUTES[k % len(ROUTES)]
            if rng.randrange(2):
                t_in, t_out = t_out, t_in
            a = via
            # The route's spot rate r_out / r_in: the product of its two pools' rates.
            (r1_in, r1_out), (r2_in, r2_out) = reserves(t_in, via), reserves(via, t_out)
            r_in, r_out = r1_in * r2_in, r1_out * r2_out
        elif rng.randrange(100) < share_ab:
            t_in, t_out = a, b
            r_in, r_out = reserves(a, b)
        else:
            t_in, t_out = b, a
            r_in, r_out = reserves(b, a)
        # Value of ~0.01 .. 2,000 units of token_a, expressed in token_in.
        whole_a = rng.randrange(1, 200_000)  # hundredths of a unit of token_a
        amount_in = max(1, whole_a * unit(a) // 100)
        if t_in != a:
            ra, ri = reserves(a, t_in)
            amount_in = max(1, amount_in * ri // ra)
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
        intents.append(Intent(k + 1, t_in, t_out, amount_in, min_output, via=via))
    rng.shuffle(intents)  # arrival order must not matter
    return intents


def best_of(runs: int, intents: list[Intent], pools: list[Pool]) -> tuple[float, float]:
    """The best wall-clock and the best CPU time of `runs` runs: on a shared machine the
    CPU time is the steadier figure (other processes' load inflates the wall clock)."""
    wall = cpu = float("inf")  # durations, not money
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        clear(intents, pools)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def run_case(label: str, routed_percent: int, pools: list[Pool]) -> dict[int, float]:
    timings, cpu_timings = {}, {}
    for n in (1_000, 10_000):
        intents = build_intents(n, routed_percent=routed_percent)
        result = clear(intents, pools)
        counts = {"executed": 0, "dropped": 0, "invalid": 0}
        for r in result.intents:
            counts[r.status] += 1
        routed = sum(1 for r in result.intents if len(r.legs) == 2)
        t, cpu = best_of(3, intents, pools)
        timings[n], cpu_timings[n] = t, cpu
        rounds = ", ".join(f"{p.token_in}/{p.token_out}:{p.rounds}" for p in result.pairs)
        print(
            f"{label} n={n:>6}: best of 3 = {t * 1000:8.1f} ms (CPU {cpu * 1000:.1f} ms)  "
            f"({n / t:,.0f} intents/s)  "
            f"executed={counts['executed']} (routed {routed}) dropped={counts['dropped']} "
            f"invalid={counts['invalid']}  drop rounds [{rounds}]"
        )
    ratio = timings[10_000] / timings[1_000]
    cpu_ratio = cpu_timings[10_000] / cpu_timings[1_000]
    print(
        f"{label} t(10k)/t(1k) = {ratio:.2f} (CPU {cpu_ratio:.2f})  "
        "(budget: t(10k) <= 2 s, ratio <= 15)"
    )
    return timings


def main() -> None:
    pools = build_pools()
    direct = run_case("direct", 0, pools)
    routed = run_case("routed 30%", 30, pools)
    for n in (1_000, 10_000):
        print(f"routed / direct at n={n}: {routed[n] / direct[n]:.2f}")


if __name__ == "__main__":
    main()
