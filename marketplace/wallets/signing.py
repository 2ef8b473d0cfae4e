"""The signed-action envelope: parse it, and verify its signature.

Body: {"payload": "<canonical JSON string>", "signature": "0x<hex>"}; the payload is
`{"action", "address", "domain", "nonce", "issued_at", "params"}`. The signature is
checked over the exact payload bytes, raw or wrapped in <Bytes>…</Bytes> the way
browser extensions sign, first as sr25519 then as ed25519."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from nacl.bindings import crypto_core_ed25519_is_valid_point
from substrateinterface import Keypair, KeypairType

from marketplace.core import jsontext
from marketplace.core.errors import BadSignature, InvalidParams
from marketplace.core.identity import InvalidAddress, public_key_from_address

NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SIGNATURE = re.compile(r"0x[0-9a-fA-F]{128}")
PAYLOAD_KEYS = {"action", "address", "domain", "nonce", "issued_at", "params"}
MAX_PAYLOAD_CHARS = 512 * 1024


@dataclass(frozen=True)
class Envelope:
    raw_payload: str
    signature: bytes
    action: str
    address: str
    public_key: str
    domain: str
    nonce: str
    issued_at: datetime
    params: dict


def parse_envelope(body: object) -> Envelope:
    """Check the envelope's shape; InvalidParams (400) for anything malformed."""
    if not isinstance(body, dict) or set(body) != {"payload", "signature"}:
        raise InvalidParams('Send exactly {"payload": …, "signature": …}.')
    raw, signature = body["payload"], body["signature"]
    if not isinstance(raw, str) or not raw or len(raw) > MAX_PAYLOAD_CHARS:
        raise InvalidParams("payload must be the canonical JSON string.", {"payload": "invalid"})
    if not isinstance(signature, str) or not SIGNATURE.fullmatch(signature):
        raise InvalidParams(
            "signature must be 0x followed by 128 hex digits.", {"signature": "invalid"}
        )
    try:
        obj = jsontext.loads(raw)
    except jsontext.JSONTextError as exc:
        raise InvalidParams(f"payload: {exc}", {"payload": "invalid"}) from exc
    if not isinstance(obj, dict) or set(obj) != PAYLOAD_KEYS:
        raise InvalidParams(
            "payload must have exactly action, address, domain, nonce, issued_at and params.",
            {"payload": "invalid"},
        )
    fields = {}
    for key in ("action", "address", "domain", "nonce", "issued_at"):
        if not isinstance(obj[key], str):
            fields[key] = "must be a string"
    if not isinstance(obj["params"], dict):
        fields["params"] = "must be an object"
    if fields:
        raise InvalidParams("payload fields have the wrong types.", fields)
    if not NONCE.fullmatch(obj["nonce"]):
        raise InvalidParams("nonce must be 16 to 64 of [A-Za-z0-9_-].", {"nonce": "invalid"})
    try:
        public_key = public_key_from_address(obj["address"])
    except InvalidAddress as exc:
        raise InvalidParams("address is not a valid SS58 address.", {"address": "invalid"}) from exc
    return Envelope(
        raw_payload=raw,
        signature=bytes.fromhex(signature[2:]),
        action=obj["action"],
        address=obj["address"],
        public_key=public_key,
        domain=obj["domain"],
        nonce=obj["nonce"],
        issued_at=parse_issued_at(obj["issued_at"]),
        params=obj["params"],
    )


def parse_issued_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidParams("issued_at must be ISO-8601.", {"issued_at": "invalid"}) from exc
    if moment.tzinfo is None:
        raise InvalidParams("issued_at must carry its UTC offset (Z).", {"issued_at": "invalid"})
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 9999 with a negative offset, year 1 with a positive
        raise InvalidParams("issued_at is out of range.", {"issued_at": "invalid"}) from exc


def verify(envelope: Envelope) -> str:
    """The crypto type ("sr25519" or "ed25519") whose signature verifies; BadSignature
    (401) otherwise."""
    crypto = verify_signature(
        envelope.public_key, envelope.raw_payload.encode(), envelope.signature
    )
    if crypto is None:
        raise BadSignature()
    return crypto


def sound_key(crypto: str, public_key: str) -> bool:
    """Whether `public_key` (hex) can be a real key of `crypto`. The sr25519 all-zero
    key is the group's identity, and ed25519 keys of small order (the identity, the
    points of order 2, 4 and 8) or outside the prime-order subgroup let a signature
    of zeros verify any message; libsodium's point check refuses exactly those."""
    key = bytes.fromhex(public_key)
    if crypto == "sr25519":
        return key != bytes(32)
    return crypto_core_ed25519_is_valid_point(key)


def verify_signature(public_key: str, message: bytes, signature: bytes) -> str | None:
    """The crypto type ("sr25519" or "ed25519") of the key `public_key` (hex) whose
    signature over `message`, raw or wrapped in <Bytes>…</Bytes>, is `signature`; None
    if neither verifies. Malformed signatures make the library raise: that is a no too.

    Degenerate keys are refused before any check: for them a forged signature
    verifies over any message (see `sound_key`)."""
    for name, crypto_type in (("sr25519", KeypairType.SR25519), ("ed25519", KeypairType.ED25519)):
        if not sound_key(name, public_key):
            continue
        keypair = Keypair(public_key=public_key, ss58_format=42, crypto_type=crypto_type)
        for candidate in (message, b"<Bytes>" + message + b"</Bytes>"):
            try:
                if keypair.verify(candidate, signature):
                    return name
            except Exception:  # substrate-interface raises on malformed signatures
                continue
    return None
