"""The well-known development accounts (//Alice … //Ferdie), their demo funding, and
the names of the demo gallery's models (marketplace/artifacts/gallery.py), which the
demo market looks up."""

from functools import cache

DEMO_WALLETS = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")
FUNDING = {
    "DOT": 10_000 * 10**10,
    "USDT": 100_000 * 10**6,
    "KSM": 1_000 * 10**12,
    "ASTR": 100_000 * 10**12,
}

GALLERY_FORECASTER = "Traffic forecaster (next 24 h)"
GALLERY_DETECTOR = "Traffic anomaly detector"


@cache
def demo_keypair(name: str):
    from substrateinterface import Keypair

    return Keypair.create_from_uri(f"//{name}")
