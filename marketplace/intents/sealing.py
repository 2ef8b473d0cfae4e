"""Opening sealed intents and re-deriving a batch from them. No Django: the settlement
service and `manage.py verify_batch` call the very same `derive`, so a verifier that
holds only public data (the published epoch key, the sealed boxes, the recorded
reserves) reaches the same result by construction.

Plaintext of a sealed intent: the UTF-8 JSON object `{"amount_in": A, "min_output": M}`
(other keys are ignored), each value a decimal string of an integer in the smallest
unit ("15000000000", what the browser sends) or a JSON integer. Rules, each failure
an `invalid` intent with that reason (its lock returns; the batch settles anyway):
`undecryptable` (not a sealed box to the epoch key), `bad_payload` (not that JSON,
or a value that is not an integer in 0..10^39-1), `bad_amount` (A = 0),
`bad_min_output` (M = 0: a dust-sized intent could otherwise execute for nothing),
`above_lock` (A > the locked amount). `clear()` adds `unknown_pair` (no pool).
An intent's route (`via`, the intermediate asset of two pools) is public: it was fixed
when the intent was submitted.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from .clearing import EXECUTED, INVALID, BatchResult, Intent, Pool, clear
from .routing import sandwiched_output

# A sealed box is the sender's ephemeral X25519 key (32) + the Poly1305 tag (16) +
# the plaintext; real intents are ~60 bytes of JSON.
SEAL_OVERHEAD = 48
MAX_SEALED_BYTES = 512
MAX_AMOUNT = 10**39 - 1

_DIGITS = re.compile(r"[0-9]{1,39}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def decode_sealed(text: str) -> bytes | None:
    """The bytes of a standard base64 sealed box, or None if it is not base64 or its
    size cannot be a sealed intent."""
    if len(text) > 4 * (MAX_SEALED_BYTES // 3 + 1) or not _BASE64.fullmatch(text):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not SEAL_OVERHEAD < len(raw) <= MAX_SEALED_BYTES:
        return None
    return raw


@dataclass(frozen=True)
class Revealed:
    """An opened intent: amounts when valid, else `reason` (amounts may be None)."""

    amount_in: int | None = None
    min_output: int | None = None
    reason: str = ""


def _amount(value: object) -> int | None:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT:
        return value
    return None


def reveal(sealed: str, private_key: PrivateKey, lock_amount: int) -> Revealed:
    """Open one sealed intent with the epoch's private key and check it against its lock."""
    raw = decode_sealed(sealed)
    try:
        if raw is None:
            raise CryptoError("not a sealed box")
        plaintext = SealedBox(private_key).decrypt(raw)
    except CryptoError:
        return Revealed(reason="undecryptable")
    try:
        obj = json.loads(plaintext.decode("utf-8"))
    except (ValueError, RecursionError):
        return Revealed(reason="bad_payload")
    if not isinstance(obj, dict):
        return Revealed(reason="bad_payload")
    amount_in, min_output = _amount(obj.get("amount_in")), _amount(obj.get("min_output"))
    if amount_in is None or min_output is None:
        return Revealed(reason="bad_payload")
    if amount_in == 0:
        return Revealed(amount_in, min_output, "bad_amount")
    if min_output == 0:
        return Revealed(amount_in, min_output, "bad_min_output")
    if amount_in > lock_amount:
        return Revealed(amount_in, min_output, "above_lock")
    return Revealed(amount_in, min_output)


@dataclass(frozen=True)
class SealedRow:
    """What is public about an intent once its batch settled."""

    id: int
    token_in: str
    token_out: str
    lock_amount: int
    sealed: str
    via: str = ""

    @classmethod
    def of(cls, intent) -> "SealedRow":
        """From a stored intent (any object with these attributes)."""
        return cls(
            intent.pk,
            intent.token_in,
            intent.token_out,
            intent.lock_amount,
            intent.sealed_intent,
            intent.via,
        )


@dataclass(frozen=True)
class Outcome:
    """What the settlement records for one intent."""

    status: str
    reason: str
    amount_in: int | None
    min_output: int | None
    amount_out: int
    legs: list[dict] | None = None
    mev_saved: int | None = None

    @staticmethod
    def legs_of(result) -> list[dict] | None:
        """An executed intent's swaps as stored (`Intent.legs`): amounts as strings."""
        if not result.legs:
            return None
        return [
            {
                "token_in": leg.token_in,
                "token_out": leg.token_out,
                "amount_in": str(leg.amount_in),
                "amount_out": str(leg.amount_out),
            }
            for leg in result.legs
        ]


def derive(
    rows: Iterable[SealedRow], pools: Iterable[Pool], private_key: PrivateKey
) -> tuple[dict[int, Outcome], BatchResult]:
    """Open every intent and clear the valid ones against `pools` (the reserves before
    the batch). Raises `ClearingInvariantError` like `clear()`."""
    rows, pools = list(rows), list(pools)
    revealed = {row.id: reveal(row.sealed, private_key, row.lock_amount) for row in rows}
    intents = [
        Intent(row.id, row.token_in, row.token_out, r.amount_in, r.min_output, row.via or None)
        for row in rows
        if not (r := revealed[row.id]).reason
    ]
    result = clear(intents, pools)
    cleared = {r.id: r for r in result.intents}
    by_id = {x.id: x for x in intents}
    outcomes = {}
    for intent_id, opened in revealed.items():
        decided = cleared.get(intent_id)
        outcomes[intent_id] = Outcome(
            status=decided.status if decided else INVALID,
            reason=(decided.reason if decided else opened.reason) or "",
            amount_in=opened.amount_in,
            min_output=opened.min_output,
            amount_out=decided.amount_out if decided else 0,
            legs=Outcome.legs_of(decided) if decided else None,
            mev_saved=_mev_saved(by_id[intent_id], decided.amount_out, pools)
            if decided and decided.status == EXECUTED
            else None,
        )
    return outcomes, result


def _mev_saved(intent: Intent, amount_out: int, pools: list[Pool]) -> int:
    """What the batch paid above the same swap sandwiched on the pools alone (>= 0:
    an executed intent receives at least its min_output)."""
    return amount_out - sandwiched_output(intent.route, pools, intent.amount_in, intent.min_output)
