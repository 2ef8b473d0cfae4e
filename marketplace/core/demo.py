"""The demo's wallets, their funding, and the names of the demo gallery's models
(marketplace/artifacts/gallery.py), which the demo market looks up.

The well-known development accounts //Alice … //Ferdie are the people's: funded, and
never signed with or paid by anything in the demo, so whoever imports one (README, "Do
it yourself") sees only what they did. The demo's own actors — the bots of `make run`
and the owners of its seeded data — have wallets of their own, named below (their key
URIs are `//<name>` of the same development phrase)."""

from functools import cache

PEOPLE = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")
BUYER = "DemoBuyer"  # demo_market: subscribes, buys forecasts, trains across stations
PROVIDER = "DemoProvider"  # the provider agent
TEE_WORKER = "DemoTee"  # the TEE worker agent
TRADERS = ("DemoTraderA", "DemoTraderB")  # demo_market's two traders
SENSOR_OWNER = "DemoCity"  # owns the traffic sensor's Data NFT
STATION_OWNERS = ("DemoHarbour", "DemoOldTown", "DemoRingRoad")  # the air-quality stations
BOTS = (BUYER, PROVIDER, TEE_WORKER, *TRADERS, SENSOR_OWNER, *STATION_OWNERS)
DEMO_WALLETS = PEOPLE + BOTS
FUNDING = {
    "DOT": 10_000 * 10**10,
    "USDT": 100_000 * 10**6,
    "KSM": 1_000 * 10**12,
    "ASTR": 100_000 * 10**12,
}

# The trading pools load_demo seeds, each against USDT (marketplace/intents/demo.py):
# (asset, decimals, whole units, whole USDT); 1 DOT = 5, 1 KSM = 20, 1 ASTR = 0.05 USDT.
POOLS = (("DOT", 10, 10_000, 50_000), ("KSM", 12, 2_500, 50_000), ("ASTR", 12, 1_000_000, 50_000))
USDT_DECIMALS = 6


def pool_liquidity() -> dict[str, int]:
    """What the seeded pools hold in all, per asset, in its smallest unit."""
    held = {"USDT": 0}
    for asset, decimals, units, usdt in POOLS:
        held[asset] = held.get(asset, 0) + units * 10**decimals
        held["USDT"] += usdt * 10**USDT_DECIMALS
    return held


GALLERY_FORECASTER = "Traffic forecaster (next 24 h)"
GALLERY_DETECTOR = "Traffic anomaly detector"


def uri(name: str) -> str:
    return f"//{name}"


@cache
def demo_keypair(name: str):
    from substrateinterface import Keypair

    return Keypair.create_from_uri(uri(name))
