"""Demo data for `make run`: a DOT/USDT pool at 1 DOT = 5 USDT (idempotent)."""

from .services import seed_pool

DOT, USDT = 10**10, 10**6


def seed(stdout) -> None:
    pool = seed_pool("DOT", "USDT", 10_000 * DOT, 50_000 * USDT, fee_bps=30, key="demo:pool")
    stdout.write(f"Intents: {pool} pool seeded (10,000 DOT / 50,000 USDT).")
