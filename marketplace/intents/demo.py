"""Demo data for `make run`: three pools around USDT (idempotent). DOT, KSM and ASTR
have no pool with each other, so trades between them take a route of two pools."""

from marketplace.core.demo import POOLS, USDT_DECIMALS

from .services import seed_pool


def seed(stdout) -> None:
    for asset, decimals, units, usdt in POOLS:
        pool = seed_pool(
            asset,
            "USDT",
            units * 10**decimals,
            usdt * 10**USDT_DECIMALS,
            fee_bps=30,
            key="demo:pool" if asset == "DOT" else f"demo:pool:{asset}",
        )
        stdout.write(f"Intents: {pool} pool seeded ({units:,} {asset} / {usdt:,} USDT).")
