"""The well-known development accounts (//Alice … //Ferdie) and their demo funding."""

from functools import cache

DEMO_WALLETS = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")
FUNDING = {
    "DOT": 10_000 * 10**10,
    "USDT": 100_000 * 10**6,
    "KSM": 1_000 * 10**12,
    "ASTR": 100_000 * 10**12,
}


@cache
def demo_keypair(name: str):
    from substrateinterface import Keypair

    return Keypair.create_from_uri(f"//{name}")
