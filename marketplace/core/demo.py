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

GALLERY_FORECASTER = "Traffic forecaster (next 24 h)"
GALLERY_DETECTOR = "Traffic anomaly detector"


def uri(name: str) -> str:
    return f"//{name}"


@cache
def demo_keypair(name: str):
    from substrateinterface import Keypair

    return Keypair.create_from_uri(uri(name))
