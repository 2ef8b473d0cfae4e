"""A local development chain's own controls (chopsticks `dev_*` RPCs): set balances and
build blocks. For `make run`'s demo and the tests; a real node refuses these calls."""

from .client import ChainClient

USDT_ID = 1984


def set_balance(client: ChainClient, public_key: str, amount: int) -> None:
    """Give an account `amount` of the native token. dev_setStorage writes the whole
    System.Account record: keep its nonce, give it a provider; big numbers as strings."""
    record = {
        "nonce": client.account_nonce(public_key),
        "providers": 1,
        "data": {"free": str(amount)},
    }
    client.substrate.rpc_request(
        "dev_setStorage", [{"System": {"Account": [[["0x" + public_key], record]]}}]
    )


def set_asset_balance(client: ChainClient, public_key: str, amount: int, asset_id=USDT_ID):
    """Give an account `amount` of an Assets-pallet token, counted in the asset's supply
    (a transfer checks it)."""
    asset = client.substrate.query("Assets", "Asset", [asset_id]).value
    held = client.balance(public_key, asset_id)
    asset["supply"] = str(asset["supply"] - held + amount)
    account = {"balance": str(amount), "isFrozen": False, "reason": "Sufficient"}
    client.substrate.rpc_request(
        "dev_setStorage",
        [
            {
                "Assets": {
                    "Asset": [[[asset_id], _camel(asset)]],
                    "Account": [[[asset_id, "0x" + public_key], account]],
                }
            }
        ],
    )


def new_blocks(client: ChainClient, count: int = 1) -> None:
    client.substrate.rpc_request("dev_newBlock", [{"count": count}])


def _camel(record: dict) -> dict:
    """substrate-interface's snake_case field names → the camelCase dev_setStorage takes."""
    return {
        "".join(w if i == 0 else w.title() for i, w in enumerate(k.split("_"))): v
        for k, v in record.items()
    }


def pay(client: ChainClient, keypair, dest: str, amount: int, asset_id: int | None = None):
    """A wallet's own transfer_keep_alive, as a browser extension would send it; waits
    for inclusion and returns the receipt."""
    extrinsic = client.sign_transfer(
        keypair,
        dest=dest,
        asset_id=asset_id,
        amount=amount,
        nonce=client.account_nonce(keypair.public_key.hex()),
    )
    return client.substrate.submit_extrinsic(extrinsic, wait_for_inclusion=True)
