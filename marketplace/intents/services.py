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
from itertools import pairwise

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from nacl.public import PrivateKey
from nacl.secret import SecretBox

from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core import errors
from marketplace.core.bulk import update_rows
from marketplace.core.models import PauseName
from marketplace.core.selectors import is_paused
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance, notify_balances

from . import events
from .clearing import TRANSIT, ClearingInvariantError, Move, format_price, settlement_moves
from .clearing import Pool as ClearingPool
from .models import Batch, BatchPair, BatchStatus, Intent, IntentStatus, Pool, Verification
from .routing import best_route
from .sealing import SealedRow, decode_sealed, derive
from .selectors import clearing_pools, pool_reserves, verify_batch

log = logging.getLogger(__name__)

# The ledger account (`pool:routes`, one per asset) through which routes hand their
# intermediate asset from pool to pool during a settlement; empty before and after.
ROUTES_ACCOUNT = "routes"


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
                kind=TransferKind.POOL_SEED,
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
    expires_at: datetime | None = None,
) -> Intent:
    """Lock `lock_amount` of `token_in` and keep the sealed intent for the batch.

    Preconditions: known assets (the params check them), token_in != token_out, a
    route of at most two pools between them (the direct pool if there is one, else the
    two-pool route that pays most for `lock_amount` now: the route is public and fixed
    here), `sealed_intent` standard base64 of a plausible sealed box, `expires_at` (if
    given) in the future, the batch exists (404) and still accepts intents (409
    window_closed), enough available `token_in` (409 insufficient_funds)."""
    if token_in == token_out:
        raise errors.InvalidParams(
            "Choose two different assets to swap.",
            {"token_out": "Choose an asset other than the one you sell."},
        )
    if decode_sealed(sealed_intent) is None:
        raise errors.InvalidParams(
            "sealed_intent must be a base64 sealed box.", {"sealed_intent": "not a sealed box"}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise errors.InvalidParams(
            "The expiry must be in the future.", {"expires_at": "already past"}
        )
    route = best_route(token_in, token_out, clearing_pools(), lock_amount)
    if route is None:
        raise errors.InvalidParams(
            f"No pool, nor two pools, join {token_in} and {token_out}.",
            {"token_out": "no route from the asset sold"},
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
            kind=TransferKind.INTENT_LOCK,
            reference=f"batch:{batch.pk}",
            idempotency_key=idempotency_key,
        )
        intent = Intent.objects.create(
            batch=batch,
            wallet=wallet,
            token_in=token_in,
            token_out=token_out,
            via=route[1] if len(route) == 3 else "",
            lock_amount=lock_amount,
            sealed_intent=sealed_intent,
            hold_id=hold.id,
            expires_at=expires_at,
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
            ledger.get_hold(intent.hold_id),
            kind=TransferKind.INTENT_UNLOCK,
            reference=f"intent:{intent.pk}",
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
    A batch whose clearing fails stays open and is logged; the others still settle.
    While operators pause batch settlement nothing settles: due batches wait, their
    intents stay sealed and locked, and settle in order once it resumes."""
    if is_paused(PauseName.BATCHES):
        return 0
    due = Batch.objects.filter(status=BatchStatus.OPEN, closes_at__lte=timezone.now())
    settled = 0
    for batch_id in due.order_by("closes_at", "id").values_list("id", flat=True):
        with contextlib.suppress(ClearingInvariantError):  # logged by settle_batch
            settled += settle_batch(batch_id)
    return settled


def verify_settled_batches(limit: int = 50) -> int:
    """Re-derive up to `limit` settled batches not checked yet from their public data
    (`selectors.verify_batch`) and record whether they match (the beat task). A batch
    that does not match is for staff: the console lists it. Returns how many ran."""
    unchecked = Batch.objects.filter(
        status=BatchStatus.SETTLED, verification=Verification.UNCHECKED
    ).order_by("id")
    batch_ids = list(unchecked.values_list("id", flat=True)[:limit])
    for batch_id in batch_ids:
        problems = verify_batch(batch_id)
        if problems:
            log.error("batch %s does not verify: %s", batch_id, problems)
        Batch.objects.filter(pk=batch_id).update(
            verification=Verification.FAILED if problems else Verification.PASSED,
            verification_problems=problems,
        )
    return len(batch_ids)


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
        # Traders send many intents to a batch: one wallet row each, not one per intent
        # as a join builds.
        sealed = list(
            batch.intents.filter(status=IntentStatus.SEALED)
            .prefetch_related("wallet")
            .order_by("id")
        )
        expired = [i for i in sealed if i.expired_at(now)]
        intents = [i for i in sealed if not i.expired_at(now)]
        wanted = {_pair_key(t, u) for i in intents for t, u in pairwise(i.route)}
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
            intent.amount_out, intent.legs = outcome.amount_out, outcome.legs
            intent.mev_saved = outcome.mev_saved
            intent.decided_at = now
        for intent in expired:
            intent.status, intent.decided_at = IntentStatus.EXPIRED, now
        _move_money(batch, sealed, pools, settlement_moves(result))
        for pair in result.pairs:
            pool = pools[(pair.token_in, pair.token_out)]
            if pool_reserves(pool) != (
                pair.reserves_after[pool.token_a],
                pair.reserves_after[pool.token_b],
            ):
                raise ClearingInvariantError(f"{pool}: pool balances differ from the clearing")
        update_rows(
            sealed,
            [
                *("status", "reason", "amount_in", "min_output", "amount_out"),
                *("legs", "mev_saved", "decided_at"),
            ],
        )
        pairs = BatchPair.objects.bulk_create(
            BatchPair(batch=batch, price_display=_price(pair), **BatchPair.result_fields(pair))
            for pair in result.pairs
        )
        batch.status = BatchStatus.SETTLED
        batch.closed_at = now
        batch.secret_key = bytes(private_key).hex()
        batch.save(update_fields=["status", "closed_at", "secret_key"])
        events.notify_intents(sealed)
        notify_balances({i.wallet.public_key for i in sealed})
        events.notify_batch_settled(batch, pairs, sealed)
        open_epoch()
    return True


def _pair_key(token_x: str, token_y: str) -> tuple[str, str]:
    return (token_x, token_y) if token_x < token_y else (token_y, token_x)


def _move_money(
    batch: Batch, intents: list[Intent], pools: dict[tuple[str, str], Pool], moves: list[Move]
) -> None:
    """Apply the clearing's movements (`clearing.settlement_moves`) on the ledger's
    set-based paths: the holds that did not execute are voided and the inputs paid
    from theirs in two calls, then every route hand-over and payout in one set (the
    ledger checks each account's net change, so inputs reach their pools first). A
    few statements per batch whatever its size."""
    by_id = {intent.pk: intent for intent in intents}
    pool_accounts = functools.cache(ledger.pool_account)
    users: dict[str, dict] = {}
    for asset in {m.asset for m in moves if m.kind == "out"}:
        users[asset] = ledger.user_accounts(
            {
                by_id[m.intent_id].wallet.public_key
                for m in moves
                if m.kind == "out" and m.asset == asset
            },
            asset,
        )

    def account(end: tuple, asset: str):
        if end == TRANSIT:
            return pool_accounts(ROUTES_ACCOUNT, asset)
        if end[0] == "pool":
            return pool_accounts(pools[end[1]].code, asset)
        return users[asset][by_id[end[1]].wallet.public_key]

    ledger.void_holds(
        [
            ledger.HoldVoid(intent.hold_id, TransferKind.INTENT_UNLOCK, f"intent:{intent.pk}")
            for intent in intents
            if intent.status != IntentStatus.EXECUTED
        ]
    )
    ledger.post_holds(
        [
            ledger.HoldPosting(
                by_id[move.intent_id].hold_id,
                [(account(move.target, move.asset), move.amount, TransferKind.INTENT_SWAP_IN)],
                f"intent:{move.intent_id}",
                TransferKind.INTENT_UNLOCK,
            )
            for move in moves
            if move.kind == "in"
        ]
    )
    ledger.transfer_many(
        [_ledger_move(batch, pools, move, account) for move in moves if move.kind != "in"]
    )


def _ledger_move(batch: Batch, pools: dict, move: Move, account) -> ledger.Move:
    debit, credit = account(move.source, move.asset), account(move.target, move.asset)
    if move.kind == "route":
        end = move.source if move.target == TRANSIT else move.target
        direction = "in" if move.target == TRANSIT else "out"
        return ledger.Move(
            debit,
            credit,
            move.amount,
            TransferKind.INTENT_ROUTE,
            f"batch:{batch.pk}",
            f"batch:{batch.pk}:route:{pools[end[1]].code}:{move.asset}:{direction}",
        )
    return ledger.Move(
        debit,
        credit,
        move.amount,
        TransferKind.INTENT_SWAP_OUT,
        f"intent:{move.intent_id}",
        f"intent:{move.intent_id}:out",
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
