"""Intents services: pools, epochs, sealed intents and the batch settlement.

Lock order, everywhere: the batch row, then its intents, then the pool rows (by id),
then ledger accounts (the ledger orders those itself). Submitting and cancelling lock
the batch row, so the settlement (which holds it for its whole transaction) sees
every intent that was accepted and none can change under it.
"""

import contextlib
import functools
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from nacl.public import PrivateKey
from nacl.secret import SecretBox

from ledger import selectors as ledger_selectors
from ledger import services as ledger
from marketplace.core import errors
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from . import events
from .clearing import ClearingInvariantError, format_price
from .clearing import Pool as ClearingPool
from .models import Batch, BatchPair, BatchStatus, Intent, IntentStatus, Pool
from .sealing import SealedRow, decode_sealed, derive
from .selectors import pool_for, pool_reserves

log = logging.getLogger(__name__)


# --- Pools ------------------------------------------------------------------------------


def seed_pool(
    token_x: str, token_y: str, amount_x: int, amount_y: int, *, fee_bps: int, key: str
) -> Pool:
    """Create the pool for {token_x, token_y} if needed and add liquidity from outside
    the ledger (staff seeding; there are no user liquidity providers).

    Preconditions: two different known assets, amounts > 0, 0 <= fee_bps < 10000 and
    equal to the existing pool's fee. `key` makes it exactly once: the same key again
    adds nothing (`<key>:<asset>` are the transfers' idempotency keys)."""
    if token_x == token_y:
        raise errors.InvalidParams("A pool needs two different assets.")
    for asset in (token_x, token_y):
        if not ledger_selectors.asset_exists(asset):
            raise errors.InvalidParams(f"Unknown asset {asset!r}.")
    if not 0 <= fee_bps < 10_000:
        raise errors.InvalidParams("fee_bps must be in 0..9999.")
    if token_x > token_y:
        token_x, token_y, amount_x, amount_y = token_y, token_x, amount_y, amount_x
    with transaction.atomic():
        pool, _ = Pool.objects.get_or_create(
            token_a=token_x, token_b=token_y, defaults={"fee_bps": fee_bps}
        )
        # Serialises with a settlement reading the reserves.
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        if pool.fee_bps != fee_bps:
            raise errors.InvalidState(f"The {pool} pool already exists with another fee.")
        for asset, amount in ((token_x, amount_x), (token_y, amount_y)):
            ledger.transfer(
                debit=ledger.external_account(asset),
                credit=ledger.pool_account(pool.code, asset),
                amount=amount,
                kind="pool_seed",
                reference=f"pool:{pool.code}",
                idempotency_key=f"{key}:{asset}",
            )
    return pool


# --- Epochs -----------------------------------------------------------------------------


def _key_box() -> SecretBox:
    """The SecretBox that keeps epoch private keys at rest, keyed from SECRET_KEY."""
    key = hmac.new(
        settings.SECRET_KEY.encode(), b"polkamesh:intents:epoch-key", hashlib.sha256
    ).digest()
    return SecretBox(key)


def _slot_start(now: datetime) -> datetime:
    interval = settings.PM_BATCH_INTERVAL_SECONDS
    start = int(now.timestamp()) // interval * interval
    return datetime.fromtimestamp(start, tz=UTC)


def _new_keys() -> dict:
    private = PrivateKey.generate()
    return {
        "public_key": bytes(private.public_key).hex(),
        "sealed_secret_key": bytes(_key_box().encrypt(bytes(private))),
    }


def open_epoch() -> Batch:
    """The batch accepting intents now, opened if there is none.

    Epochs follow a fixed grid of PM_BATCH_INTERVAL_SECONDS (the unique `opens_at` makes
    concurrent callers agree on one batch); a batch that staff closed early is followed
    by one for the rest of its slot."""
    now = timezone.now()
    current = (
        Batch.objects.filter(status=BatchStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
        .order_by("-opens_at")
        .first()
    )
    if current is not None:
        return current
    start = _slot_start(now)
    closes_at = start + timedelta(seconds=settings.PM_BATCH_INTERVAL_SECONDS)
    with transaction.atomic():
        batch, _ = Batch.objects.get_or_create(
            opens_at=start, defaults={"closes_at": closes_at, **_new_keys()}
        )
        if batch.accepts_intents(now):
            return batch
        return Batch.objects.create(opens_at=now, closes_at=closes_at, **_new_keys())


def _epoch_private_key(batch: Batch) -> PrivateKey:
    return PrivateKey(_key_box().decrypt(bytes(batch.sealed_secret_key)))


# --- Signed actions ---------------------------------------------------------------------


def submit_intent(
    wallet: Wallet,
    *,
    batch_id: int,
    token_in: str,
    token_out: str,
    lock_amount: int,
    sealed_intent: str,
    idempotency_key: str,
) -> Intent:
    """Lock `lock_amount` of `token_in` and keep the sealed intent for the batch.

    Preconditions: known assets (the params check them), token_in != token_out, a pool
    for the pair, `sealed_intent` standard base64 of a plausible sealed box, the batch
    exists (404) and still accepts intents (409 window_closed), enough available
    `token_in` (409 insufficient_funds)."""
    if token_in == token_out:
        raise errors.InvalidParams("token_in and token_out must differ.", {"token_out": "same"})
    if decode_sealed(sealed_intent) is None:
        raise errors.InvalidParams(
            "sealed_intent must be a base64 sealed box.", {"sealed_intent": "not a sealed box"}
        )
    if pool_for(token_in, token_out) is None:
        raise errors.InvalidParams(
            f"There is no {token_in}/{token_out} pool.", {"token_out": "no pool for this pair"}
        )
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            raise errors.NotFound(f"Batch {batch_id} does not exist.")
        if not batch.accepts_intents():
            raise errors.WindowClosed(f"Batch {batch_id} no longer accepts intents.")
        hold = ledger.create_hold(
            payer=ledger.user_account(wallet.public_key, token_in),
            amount=lock_amount,
            kind="intent_lock",
            reference=f"batch:{batch.pk}",
            idempotency_key=idempotency_key,
        )
        intent = Intent.objects.create(
            batch=batch,
            wallet=wallet,
            token_in=token_in,
            token_out=token_out,
            lock_amount=lock_amount,
            sealed_intent=sealed_intent,
            hold_id=hold.pk,
        )
        notify_balance(wallet.public_key)
    return intent


def cancel_intent(wallet: Wallet, *, intent_id: int) -> Intent:
    """Withdraw a sealed intent and return its lock.

    Preconditions: the intent exists (404), belongs to `wallet` (403), is still sealed
    (409 invalid_state) and its batch still accepts intents (409 window_closed). The
    sealed box is wiped: once the epoch key is published it would open it."""
    with transaction.atomic():
        batch_id = Intent.objects.filter(pk=intent_id).values_list("batch_id", flat=True).first()
        if batch_id is None:
            raise errors.NotFound(f"Intent {intent_id} does not exist.")
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        intent = Intent.objects.select_for_update().get(pk=intent_id)
        if intent.wallet_id != wallet.pk:
            raise errors.Forbidden("Only the intent's owner may cancel it.")
        if intent.status != IntentStatus.SEALED:
            raise errors.InvalidState(f"Intent {intent_id} is already {intent.status}.")
        if not batch.accepts_intents():
            raise errors.WindowClosed(f"Batch {batch.pk} has closed; the intent is final.")
        ledger.void_hold(
            ledger.get_hold(intent.hold_id), kind="intent_unlock", reference=f"intent:{intent.pk}"
        )
        intent.status = IntentStatus.CANCELLED
        intent.sealed_intent = ""
        intent.decided_at = timezone.now()
        intent.save(update_fields=["status", "sealed_intent", "decided_at"])
        events.notify_intent(intent, wallet.public_key)
        notify_balance(wallet.public_key)
    return intent


# --- Settlement -------------------------------------------------------------------------


def settle_due_batches() -> int:
    """Settle every open batch whose window has closed, oldest first (the beat task).
    A batch whose clearing fails stays open and is logged; the others still settle."""
    due = Batch.objects.filter(status=BatchStatus.OPEN, closes_at__lte=timezone.now())
    settled = 0
    for batch_id in due.order_by("closes_at", "id").values_list("id", flat=True):
        with contextlib.suppress(ClearingInvariantError):  # logged by settle_batch
            settled += settle_batch(batch_id)
    return settled


def settle_batch(batch_id: int) -> bool:
    """Close batch `batch_id` now and settle it, all or nothing. False if it was already
    settled (a second worker, a repeated admin click): nothing moves twice.

    Opens every sealed intent with the epoch key; invalid ones and those `clear()`
    drops get their lock back; executed ones pay `amount_in` from their lock to the
    pool and receive `amount_out` from the pool. Then the per-pair results are
    recorded, the epoch key is published and the next epoch opens. Raises
    ClearingInvariantError (and changes nothing) if a money invariant fails."""
    try:
        return _settle(batch_id)
    except ClearingInvariantError:
        log.exception("batch %s did not settle: a clearing invariant failed", batch_id)
        raise


def _settle(batch_id: int) -> bool:
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.OPEN:
            return False
        now = timezone.now()
        private_key = _epoch_private_key(batch)
        intents = list(
            batch.intents.filter(status=IntentStatus.SEALED).select_related("wallet").order_by("id")
        )
        wanted = {tuple(sorted((i.token_in, i.token_out))) for i in intents}
        pools = {
            (p.token_a, p.token_b): p
            for p in Pool.objects.select_for_update().order_by("id")
            if (p.token_a, p.token_b) in wanted
        }
        reserves = {key: pool_reserves(pool) for key, pool in pools.items()}
        outcomes, result = derive(
            [SealedRow.of(i) for i in intents],
            [
                ClearingPool(a, b, *reserves[(a, b)], pool.fee_bps)
                for (a, b), pool in pools.items()
                if min(reserves[(a, b)]) > 0
            ],
            private_key,
        )
        for intent in intents:
            outcome = outcomes[intent.pk]
            intent.status, intent.reason = outcome.status, outcome.reason
            intent.amount_in, intent.min_output = outcome.amount_in, outcome.min_output
            intent.amount_out = outcome.amount_out
            intent.decided_at = now
        _move_money(intents, pools)
        for pair in result.pairs:
            pool = pools[(pair.token_in, pair.token_out)]
            if pool_reserves(pool) != (
                pair.reserves_after[pool.token_a],
                pair.reserves_after[pool.token_b],
            ):
                raise ClearingInvariantError(f"{pool}: pool balances differ from the clearing")
        Intent.objects.bulk_update(
            intents, ["status", "reason", "amount_in", "min_output", "amount_out", "decided_at"]
        )
        pairs = BatchPair.objects.bulk_create(
            BatchPair(batch=batch, price_display=_price(pair), **BatchPair.result_fields(pair))
            for pair in result.pairs
        )
        batch.status = BatchStatus.SETTLED
        batch.closed_at = now
        batch.secret_key = bytes(private_key).hex()
        batch.save(update_fields=["status", "closed_at", "secret_key"])
        for intent in intents:
            events.notify_intent(intent, intent.wallet.public_key)
        for public_key in sorted({i.wallet.public_key for i in intents}):
            notify_balance(public_key)
        events.notify_batch_settled(batch, pairs, intents)
        open_epoch()
    return True


def _move_money(intents: list[Intent], pools: dict[tuple[str, str], Pool]) -> None:
    """Every input reaches its pool before any output leaves it: a coincidence of wants
    may pay out more than the pool held before the batch. Account rows are looked up
    once per batch (the ledger reads balances in SQL, not from these objects)."""

    pool_accounts = functools.cache(ledger.pool_account)
    user_accounts = functools.cache(ledger.user_account)

    def pool_account(intent: Intent, asset: str):
        pool = pools[tuple(sorted((intent.token_in, intent.token_out)))]
        return pool_accounts(pool.code, asset)

    for intent in intents:
        reference = f"intent:{intent.pk}"
        hold = ledger.get_hold(intent.hold_id)
        if intent.status == IntentStatus.EXECUTED:
            ledger.post_hold(
                hold,
                [(pool_account(intent, intent.token_in), intent.amount_in, "intent_swap_in")],
                reference=reference,
                return_kind="intent_unlock",
            )
        else:
            ledger.void_hold(hold, kind="intent_unlock", reference=reference)
    for intent in intents:
        if intent.status == IntentStatus.EXECUTED and intent.amount_out:
            ledger.transfer(
                debit=pool_account(intent, intent.token_out),
                credit=user_accounts(intent.wallet.public_key, intent.token_out),
                amount=intent.amount_out,
                kind="intent_swap_out",
                reference=f"intent:{intent.pk}",
                idempotency_key=f"intent:{intent.pk}:out",
            )


def _price(pair) -> str:
    if pair.clearing_price is None:
        return ""
    return format_price(
        pair.clearing_price,
        12,
        decimals_in=ledger_selectors.asset_decimals(pair.token_in),
        decimals_out=ledger_selectors.asset_decimals(pair.token_out),
    )
