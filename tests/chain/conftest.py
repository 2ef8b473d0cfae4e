"""The real local chain for the chain tests (`chain_url`, one chopsticks process per test
session, tests/conftest.py), each test reading only the blocks made after it started."""

import pytest
from substrateinterface import Keypair

from marketplace.chain import devchain
from marketplace.chain.client import ChainClient

HOT_URI = "//PolkaMeshHot"
USDT_ID = devchain.USDT_ID
# The hot wallet's own float: pays the network fees of withdrawals. Not a deposit, so
# the ledger does not owe it to anyone.
FLOAT = 1_000 * 10**10


class Chain:
    """Drives the local chain the way a user's wallet and the chain itself would."""

    def __init__(self, url: str):
        self.url = url
        self.client = ChainClient(url)
        self.substrate = self.client.substrate

    def set_balance(self, public_key: str, amount: int) -> None:
        devchain.set_balance(self.client, public_key, amount)

    def set_usdt(self, public_key: str, amount: int) -> None:
        devchain.set_asset_balance(self.client, public_key, amount, USDT_ID)

    def new_blocks(self, count: int = 1) -> None:
        devchain.new_blocks(self.client, count)

    def transfer(self, keypair: Keypair, dest: str, amount: int, asset_id: int | None = None):
        """A user's transfer_keep_alive, included (Instant mode builds its block)."""
        receipt = devchain.pay(self.client, keypair, dest, amount, asset_id)
        assert receipt.is_success, receipt.error_message
        return receipt

    def balance(self, public_key: str, asset_id: int | None = None) -> int:
        return self.client.balance(public_key, asset_id)


def configured_chain(url: str, settings) -> Chain:
    """The chain at `url` configured for a test: the hot wallet funded with its float,
    and the watcher starting after the chain's current head."""
    chain = Chain(url)
    hot = Keypair.create_from_uri(HOT_URI).public_key.hex()
    chain.set_balance(hot, FLOAT)
    settings.PM_CHAIN_URL = url
    settings.PM_CHAIN_PUBLIC_URL = url
    settings.PM_CHAIN_HOT_WALLET_URI = HOT_URI
    settings.PM_CHAIN_CONFIRMATIONS = 2
    settings.PM_CHAIN_ASSETS = {"DOT": "native", "USDT": str(USDT_ID)}
    chain.new_blocks(1)
    settings.PM_CHAIN_START_BLOCK = chain.client.best_number() + 1
    return chain


@pytest.fixture
def chain(chain_url, settings):
    """The session's chain configured for this test (configured_chain)."""
    chain = configured_chain(chain_url, settings)
    yield chain
    chain.client.close()
