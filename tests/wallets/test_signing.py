"""Degenerate public keys (issue 15, item 8): for the sr25519 identity and for
ed25519 keys of small order a signature of zeros verifies any message. They are
refused at sign-in and in every envelope."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from substrateinterface import Keypair, KeypairType
from substrateinterface.utils.ss58 import ss58_encode

from marketplace.core.canonical import canonical_json
from marketplace.wallets.models import SignedAction
from marketplace.wallets.signing import verify_signature

pytestmark = pytest.mark.django_db

P = 2**255 - 19
ORDER_8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
# key (hex) → a 64-byte signature that "verifies" any message under it
DEGENERATE = {
    "sr25519-zero": ("00" * 32, bytes(63) + b"\x80"),
    "ed25519-identity": ("01" + "00" * 31, bytes([1]) + bytes(63)),
    "ed25519-zero-order-4": ("00" * 32, bytes(64)),
    "ed25519-p-minus-1-order-2": ((P - 1).to_bytes(32, "little").hex(), bytes([1]) + bytes(63)),
    "ed25519-order-8": (ORDER_8, bytes([1]) + bytes(63)),
}


def _payload(address: str, action: str, params: dict) -> str:
    return canonical_json(
        {
            "action": action,
            "address": address,
            "domain": settings.PM_DOMAIN,
            "nonce": "degenerate-key-nonce-0001",
            "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "params": params,
        }
    )


@pytest.mark.parametrize("case", DEGENERATE, ids=list(DEGENERATE))
def test_a_degenerate_key_verifies_nothing(case):
    key, forged = DEGENERATE[case]
    assert verify_signature(key, b"any message at all", forged) is None


@pytest.mark.parametrize("case", DEGENERATE, ids=list(DEGENERATE))
@pytest.mark.parametrize(
    ("path", "action", "params"),
    [("/api/auth/login", "login", {}), ("/api/faucet", "faucet", {"asset": "DOT", "amount": "1"})],
    ids=["login", "faucet"],
)
def test_a_degenerate_key_cannot_sign_in_or_act(api, case, path, action, params):
    key, forged = DEGENERATE[case]
    payload = _payload(ss58_encode(key, 42), action, params)
    envelope = {"payload": payload, "signature": "0x" + forged.hex()}
    response = api.post(path, envelope, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "bad_signature")
    assert not SignedAction.objects.exists()


def test_real_keys_of_both_kinds_still_verify():
    for crypto in (KeypairType.SR25519, KeypairType.ED25519):
        keypair = Keypair.create_from_mnemonic(Keypair.generate_mnemonic(), crypto_type=crypto)
        signature = keypair.sign(b"hello")
        assert verify_signature(keypair.public_key.hex(), b"hello", signature) is not None
