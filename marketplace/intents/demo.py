"""Demo data for `make run`: three pools around USDT (idempotent). DOT, KSM and ASTR
have no pool with each other, so trades between them take a route of two pools."""

from .services import seed_pool

# (asset, decimals, whole units, whole USDT): 1 DOT = 5, 1 KSM = 20, 1 ASTR = 0.05 USDT.
POOLS = (("DOT", 10, 10_000, 50_000), ("KSM", 12, 2_500, 50_000), ("ASTR", 12, 1_000_000, 50_000))
USDT = 10**6


def seed(stdout) -> None:
    for asset, decimals, units, usdt in POOLS:
        pool = seed_pool(
            asset,
            "USDT",
            units * 10**decimals,
            usdt * USDT,
            fee_bps=30,
            key="demo:pool" if asset == "DOT" else f"demo:pool:{asset}",
        )
        stdout.write(f"Intents: {pool} pool seeded ({units:,} {asset} / {usdt:,} USDT).")
