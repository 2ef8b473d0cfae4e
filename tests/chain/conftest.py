"""The real local chain for the chain tests: one chopsticks process per test session
(tests/stack.py), each test reading only the blocks made after it started."""

import pytest
from substrateinterface import Keypair

from marketplace.chain.client import ChainClient
from tests.stack import local_chain

HOT_URI = "//PolkaMeshHot"
USDT_ID = 1984
# The hot wallet's own float: pays the network fees of withdrawals. Not a deposit, so
# the ledger does not owe it to anyone.
FLOAT = 1_000 * 10**10


@pytest.fixture(scope="session")
def chain_url(tmp_path_factory):
    with local_chain(tmp_path_factory.mktemp("chain")) as url:
        yield url


class Chain:
    """Drives the local chain the way a user's wallet and the chain itself would."""

    def __init__(self, url: str):
        self.url = url
        self.client = ChainClient(url)
        self.substrate = self.client.substrate

    def set_balance(self, public_key: str, amount: int) -> None:
        """Give an account `amount` of the native token (dev_setStorage writes the whole
        System.Account record)."""
        nonce = self.client.account_nonce(public_key)
        record = {
            "nonce": nonce,
            "providers": 1,
            "data": {"free": str(amount)},
        }
        self.substrate.rpc_request(
            "dev_setStorage", [{"System": {"Account": [[["0x" + public_key], record]]}}]
        )

    def set_usdt(self, public_key: str, amount: int) -> None:
        """Give an account `amount` USDT (and count it in the asset's supply, which a
        transfer checks)."""
        asset = self.substrate.query("Assets", "Asset", [USDT_ID]).value
        asset["supply"] = str(asset["supply"] + amount)
        account = {"balance": str(amount), "isFrozen": False, "reason": "Sufficient"}
        self.substrate.rpc_request(
            "dev_setStorage",
            [
                {
                    "Assets": {
                        "Asset": [[[USDT_ID], _camel(asset)]],
                        "Account": [[[USDT_ID, "0x" + public_key], account]],
                    }
                }
            ],
        )

    def new_blocks(self, count: int = 1) -> None:
        self.substrate.rpc_request("dev_newBlock", [{"count": count}])

    def transfer(self, keypair: Keypair, dest: str, amount: int, asset_id: int | None = None):
        """A user's transfer_keep_alive, included (Instant mode builds its block)."""
        extrinsic = self.client.sign_transfer(
            keypair,
            dest=dest,
            asset_id=asset_id,
            amount=amount,
            nonce=self.client.account_nonce(keypair.public_key.hex()),
        )
        receipt = self.substrate.submit_extrinsic(extrinsic, wait_for_inclusion=True)
        assert receipt.is_success, receipt.error_message
        return receipt

    def balance(self, public_key: str, asset_id: int | None = None) -> int:
        return self.client.balance(public_key, asset_id)


def _camel(record: dict) -> dict:
    """substrate-interface's snake_case field names → the camelCase dev_setStorage takes."""
    return {
        "".join(w if i == 0 else w.title() for i, w in enumerate(k.split("_"))): v
        for k, v in record.items()
    }


@pytest.fixture
def chain(chain_url, settings):
    """The chain configured for this test: the hot wallet funded with its float, and
    the watcher starting after the chain's current head."""
    chain = Chain(chain_url)
    hot = Keypair.create_from_uri(HOT_URI).public_key.hex()
    chain.set_balance(hot, FLOAT)
    settings.PM_CHAIN_URL = chain_url
    settings.PM_CHAIN_PUBLIC_URL = chain_url
    settings.PM_CHAIN_HOT_WALLET_URI = HOT_URI
    settings.PM_CHAIN_CONFIRMATIONS = 2
    settings.PM_CHAIN_ASSETS = {"DOT": "native", "USDT": str(USDT_ID)}
    chain.new_blocks(1)
    settings.PM_CHAIN_START_BLOCK = chain.client.best_number() + 1
    yield chain
    chain.client.close()
