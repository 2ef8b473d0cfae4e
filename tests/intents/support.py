"""Helpers of the intents tests: sealing exactly as the browser does (a libsodium sealed
box of the JSON, base64), a trader that submits and settles, pool balances."""

import base64
import json
from datetime import timedelta

from django.utils import timezone
from nacl.public import PublicKey, SealedBox

from ledger.selectors import account_balance
from tests.conftest import DOT, USDT

RESERVE_DOT = 10_000 * DOT
RESERVE_USDT = 50_000 * USDT  # 1 DOT = 5 USDT
POOL = "pool:DOT-USDT"


def seal(public_key_hex: str, amount_in, min_output) -> str:
    plaintext = json.dumps({"amount_in": amount_in, "min_output": min_output}).encode()
    box = SealedBox(PublicKey(bytes.fromhex(public_key_hex))).encrypt(plaintext)
    return base64.b64encode(box).decode()


def pool_balances() -> tuple[int, int]:
    return account_balance("DOT", POOL), account_balance("USDT", POOL)


class Trader:
    """Submit sealed intents to the current epoch and settle it."""

    def __init__(self, actions, epoch):
        self.actions = actions
        self.epoch = epoch

    def submit(
        self, signer, token_in, token_out, lock, amount_in, min_output, *, sealed=None, **extra
    ):
        params = {
            "batch_id": self.epoch["batch_id"],
            "token_in": token_in,
            "token_out": token_out,
            "lock_amount": str(lock),
            "sealed_intent": sealed
            or seal(self.epoch["public_key"], str(amount_in), str(min_output)),
            **extra,
        }
        return self.actions.post("/api/intents", signer, "submit_intent", params)

    def intent(self, signer, *args, **kwargs) -> int:
        response = self.submit(signer, *args, **kwargs)
        assert response.status_code == 201, response.content
        return response.json()["id"]

    def settle(self) -> bool:
        from marketplace.intents.services import settle_batch

        return settle_batch(self.epoch["batch_id"])


def close_window(batch_id: int) -> None:
    """Move a batch's window into the past (the beat has not settled it yet)."""
    from marketplace.intents.models import Batch

    now = timezone.now()
    Batch.objects.filter(pk=batch_id).update(
        opens_at=now - timedelta(minutes=2), closes_at=now - timedelta(minutes=1)
    )
