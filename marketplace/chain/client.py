"""The one place that talks to the chain (substrate-interface over a WebSocket).

Everything here is I/O and decoding; no Django model is touched. The watcher and the
payer (services.py) take a `ChainClient` so they run against the local chain in tests
and make run, and against a real Asset Hub node in production alike.
"""

from dataclasses import dataclass

from substrateinterface import ExtrinsicReceipt, Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException


class ChainUnavailable(Exception):
    """The node did not answer (down, restarting, unreachable)."""


class SubmitRejected(Exception):
    """The node refused an extrinsic before inclusion (bad proof, stale nonce...)."""


@dataclass(frozen=True)
class TransferEvent:
    """A successful transfer seen in a block: `asset_id` None is the native token."""

    block_number: int
    block_hash: str
    event_index: int
    asset_id: int | None
    sender: str  # public key hex
    recipient: str  # public key hex
    amount: int


@dataclass(frozen=True)
class Inclusion:
    block_hash: str
    block_number: int
    success: bool
    error: str


def _key(account) -> str:
    """A public key hex (no 0x) from a decoded AccountId (SS58 string or hex)."""
    from marketplace.core.identity import public_key_from_address

    if isinstance(account, str) and account.startswith("0x") and len(account) == 66:
        return account[2:].lower()
    return public_key_from_address(account)


class ChainClient:
    """A connection to one node. Not thread-safe: one per process or task."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.substrate = SubstrateInterface(url=url)
            self.substrate.init_runtime()
        except (ConnectionError, OSError, SubstrateRequestException) as exc:
            raise ChainUnavailable(f"No chain at {url}: {exc}") from exc

    def close(self) -> None:
        self.substrate.close()

    # --- reading --------------------------------------------------------------------

    @property
    def ss58_format(self) -> int:
        return self.substrate.ss58_format

    def genesis_hash(self) -> str:
        return self.substrate.get_block_hash(0)

    def finalized_number(self) -> int:
        head = self.substrate.get_chain_finalised_head()
        return self.substrate.get_block_number(head)

    def block_hash(self, number: int) -> str | None:
        return self.substrate.get_block_hash(number)

    def transfers_in(self, number: int, to: str) -> tuple[str, list[TransferEvent]]:
        """The block hash at `number` and the successful transfers in it to the public
        key `to` (native Balances.Transfer and Assets.Transferred). An event of an
        extrinsic that failed is never emitted, so every event listed succeeded."""
        block_hash = self.substrate.get_block_hash(number)
        found = []
        for index, record in enumerate(self.substrate.get_events(block_hash)):
            event = record.value["event"]
            module, name, attrs = event["module_id"], event["event_id"], event["attributes"]
            if (module, name) == ("Balances", "Transfer"):
                asset_id = None
            elif (module, name) == ("Assets", "Transferred"):
                asset_id = int(attrs["asset_id"])
            else:
                continue
            if _key(attrs["to"]) != to:
                continue
            found.append(
                TransferEvent(
                    block_number=number,
                    block_hash=block_hash,
                    event_index=index,
                    asset_id=asset_id,
                    sender=_key(attrs["from"]),
                    recipient=to,
                    amount=int(attrs["amount"]),
                )
            )
        return block_hash, found

    def balance(self, public_key: str, asset_id: int | None) -> int:
        """Free balance of an account: native when `asset_id` is None."""
        who = "0x" + public_key
        if asset_id is None:
            return int(self.substrate.query("System", "Account", [who]).value["data"]["free"])
        account = self.substrate.query("Assets", "Account", [asset_id, who]).value
        return int(account["balance"]) if account else 0

    def account_nonce(self, public_key: str) -> int:
        return int(self.substrate.query("System", "Account", ["0x" + public_key]).value["nonce"])

    def find_extrinsic(self, tx_hash: str, first_block: int) -> Inclusion | None:
        """Look for an extrinsic by hash in blocks `first_block`..best head."""
        head = self.substrate.get_block_number(self.substrate.get_chain_head())
        for number in range(first_block, head + 1):
            block_hash = self.substrate.get_block_hash(number)
            block = self.substrate.get_block(block_hash)
            for index, extrinsic in enumerate(block["extrinsics"]):
                if extrinsic.extrinsic_hash and "0x" + extrinsic.extrinsic_hash.hex() == tx_hash:
                    return self._outcome(block_hash, number, index)
        return None

    def best_number(self) -> int:
        return self.substrate.get_block_number(self.substrate.get_chain_head())

    def _outcome(self, block_hash: str, number: int, index: int) -> Inclusion:
        receipt = ExtrinsicReceipt(self.substrate, block_hash=block_hash, extrinsic_idx=index)
        if receipt.is_success:
            return Inclusion(block_hash, number, True, "")
        error = receipt.error_message or {}
        return Inclusion(block_hash, number, False, str(error.get("name", error)))

    # --- writing --------------------------------------------------------------------

    def sign_transfer(
        self, keypair: Keypair, *, dest: str, asset_id: int | None, amount: int, nonce: int
    ):
        """A signed `transfer_keep_alive` (immortal: it can be sent again as it is until
        its nonce is used, and never twice)."""
        if asset_id is None:
            call = self.substrate.compose_call(
                "Balances", "transfer_keep_alive", {"dest": "0x" + dest, "value": amount}
            )
        else:
            call = self.substrate.compose_call(
                "Assets",
                "transfer_keep_alive",
                {"id": asset_id, "target": "0x" + dest, "amount": amount},
            )
        return self.substrate.create_signed_extrinsic(call=call, keypair=keypair, nonce=nonce)

    def submit(self, extrinsic_hex: str) -> None:
        """Send a signed extrinsic as it is (no waiting)."""
        try:
            self.substrate.rpc_request("author_submitExtrinsic", [extrinsic_hex])
        except SubstrateRequestException as exc:
            raise SubmitRejected(str(exc)) from exc
