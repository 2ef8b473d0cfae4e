"""Chain money at the ledger's edge: the deposit watcher and the withdrawal payer.

Rules every function here keeps:
- The ledger moves the money; this module only decides when, keyed so nothing moves
  twice. A deposit is the ledger transfer external → user:<sender>, idempotent by
  `chain:<block hash>:<event index>` and by the unique (block hash, event index) row.
  A withdrawal's hold is posted to external when its payout is included with success,
  voided when the chain refuses it.
- Each credit, and each payout's signing, is one transaction that also moves the
  cursor or records the signed extrinsic: a crash leaves either all of it or none.
- A payout's extrinsic (with its nonce) is recorded *before* it is sent. After a
  crash the reconciler finds it on chain by hash, or sends the same bytes again: a
  nonce is used once by the chain, so a payout cannot be paid twice.
- One payout is in flight at a time (the state row is locked while signing, and no new
  one is signed while one is unresolved), so the service's nonce never runs ahead.
"""

import logging
import os
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.realtime.events import publish, user_group
from marketplace.wallets import selectors as wallets_selectors
from marketplace.wallets import services as wallets
from marketplace.wallets.models import Withdrawal, WithdrawalStatus

from .client import ChainClient, Inclusion, SubmitRejected
from .models import ChainState, Deposit, DepositStatus, Holding, Payout
from .selectors import chain_asset_ids, hot_wallet, liabilities
from .serializers import DepositSerializer

log = logging.getLogger(__name__)

# How long the payer waits for a sent payout to be included before leaving it to the
# reconciler (a real chain includes within a block or two).
INCLUSION_WAIT_SECONDS = 30
BLOCKS_PER_PASS = 500


def crash_point(name: str) -> None:
    """Die here, as a SIGKILL would, when PM_CHAIN_CRASH_AT names this point: the crash
    tests stop the watcher and the payer exactly between two of their steps."""
    if os.environ.get("PM_CHAIN_CRASH_AT") == name:
        os._exit(137)


def _state(lock: bool = False) -> ChainState:
    state, _ = ChainState.objects.get_or_create(pk=1)
    if lock:
        state = ChainState.objects.select_for_update().get(pk=1)
    return state


def connect(client: ChainClient) -> ChainState:
    """Record the chain's identity on first contact (what /api/config shows)."""
    state = _state()
    genesis = client.genesis_hash()
    if state.genesis_hash and state.genesis_hash != genesis:
        raise RuntimeError(
            f"PM_CHAIN_URL serves another chain ({genesis}) than this database followed "
            f"({state.genesis_hash}); refusing to mix their money."
        )
    if (state.genesis_hash, state.ss58_format) != (genesis, client.ss58_format):
        state.genesis_hash, state.ss58_format = genesis, client.ss58_format
        state.save(update_fields=["genesis_hash", "ss58_format", "updated_at"])
    return state


# --- Deposits ---------------------------------------------------------------------------


def follow_deposits(client: ChainClient) -> int:
    """One pass of the watcher: record the transfers to the deposit address in the
    blocks after the cursor as `seen`, and credit those with `confirmations` finalized
    blocks on top, block by block, moving the cursor in the same transaction. Returns
    the number of deposits credited. Safe to run concurrently and after any crash."""
    deposit_key = hot_wallet().public_key.hex()
    assets = {chain_id: code for code, chain_id in chain_asset_ids().items()}
    state = _state()
    start = settings.PM_CHAIN_START_BLOCK if state.last_block is None else state.last_block + 1
    final = client.finalized_number() - settings.PM_CHAIN_CONFIRMATIONS
    best = client.best_number()
    credited = 0
    for number in range(start, min(best, start + BLOCKS_PER_PASS - 1) + 1):
        block_hash, transfers = client.transfers_in(number, deposit_key)
        deposits = [t for t in transfers if t.asset_id in assets]
        if number > final:
            _record_seen(deposits, assets)
            continue
        with transaction.atomic():
            state = _state(lock=True)
            if state.last_block is not None and state.last_block >= number:
                continue  # another watcher credited it meanwhile
            crash_point("watcher.before_credit")
            for event in deposits:
                _credit(event, assets[event.asset_id])
                credited += 1
            # A seen row of another block at this height was on a fork that lost.
            Deposit.objects.filter(block_number=number, status=DepositStatus.SEEN).exclude(
                block_hash=block_hash
            ).delete()
            state.last_block = number
            state.save(update_fields=["last_block", "updated_at"])
    return credited


def _record_seen(transfers, assets: dict) -> None:
    for event in transfers:
        with transaction.atomic():
            deposit, created = Deposit.objects.get_or_create(
                block_hash=event.block_hash,
                event_index=event.event_index,
                defaults=_deposit_fields(event, assets[event.asset_id]),
            )
            if created:
                wallet = wallets.ensure_wallet(event.sender)
                _notify(deposit, wallet.public_key)


def _deposit_fields(event, asset: str) -> dict:
    return {
        "asset": asset,
        "amount": event.amount,
        "sender": event.sender,
        "block_number": event.block_number,
    }


def _credit(event, asset: str) -> None:
    """Credit one transfer to its sender's wallet, exactly once (inside the caller's
    transaction)."""
    wallet = wallets.ensure_wallet(event.sender)
    deposit, _ = Deposit.objects.select_for_update().get_or_create(
        block_hash=event.block_hash,
        event_index=event.event_index,
        defaults=_deposit_fields(event, asset),
    )
    if deposit.status == DepositStatus.CREDITED:
        return
    ledger.deposit(
        wallet.public_key,
        asset,
        event.amount,
        kind=TransferKind.CHAIN_DEPOSIT,
        reference=f"chain:{event.block_number}:{event.event_index}",
        key=f"chain:{event.block_hash}:{event.event_index}",
    )
    deposit.status = DepositStatus.CREDITED
    deposit.credited_at = timezone.now()
    deposit.save(update_fields=["status", "credited_at"])
    wallets.notify_balance(wallet.public_key)
    _notify(deposit, wallet.public_key)


def _notify(deposit: Deposit, public_key: str) -> None:
    kind = "deposit.credited" if deposit.status == DepositStatus.CREDITED else "deposit.seen"
    publish([user_group(public_key)], kind, DepositSerializer(deposit).data)


# --- Withdrawals ------------------------------------------------------------------------


def set_withdrawals_paused(paused: bool) -> ChainState:
    """Staff: stop (or resume) paying withdrawals. Requests are still taken and held."""
    with transaction.atomic():
        state = _state(lock=True)
        state.withdrawals_paused = paused
        state.save(update_fields=["withdrawals_paused", "updated_at"])
        return state


def pay_withdrawals(client: ChainClient, limit: int = 20) -> int:
    """One pass of the payer: resolve what was sent before, then pay up to `limit`
    withdrawals that are ready, one at a time. Returns how many were sent."""
    if _state().withdrawals_paused:
        return 0
    if reconcile_payouts(client):
        return 0  # one is still in flight: its nonce must be settled first
    sent = 0
    for withdrawal_id in wallets_selectors.withdrawals_ready_to_pay().values_list("pk", flat=True)[
        :limit
    ]:
        payout = _sign_payout(client, withdrawal_id)
        if payout is None:
            continue
        sent += 1
        try:
            client.submit(payout.extrinsic)
        except SubmitRejected as exc:
            # Refused before inclusion: its nonce is unused, give it to the next one.
            _fail_unsent(payout, str(exc))
            continue
        crash_point("payer.after_submit")
        inclusion = _wait_for(client, payout)
        if inclusion is None:
            return sent  # the reconciler settles it on a later pass
        _settle(payout, inclusion)
    return sent


def _sign_payout(client: ChainClient, withdrawal_id: int) -> Payout | None:
    """Sign the payout and record it with the withdrawal `submitted`, in one
    transaction, before anything is sent."""
    keypair = hot_wallet()
    chain_ids = chain_asset_ids()
    with transaction.atomic():
        state = _state(lock=True)
        if state.withdrawals_paused:
            return None
        # Re-read under the payer's lock: still pending, and not awaiting review.
        withdrawal = wallets_selectors.withdrawals_ready_to_pay().filter(pk=withdrawal_id).first()
        if withdrawal is None:
            return None
        if withdrawal.asset not in chain_ids:
            wallets.mark_withdrawal_failed(
                withdrawal.pk, failure_reason=f"{withdrawal.asset} is not paid out on chain."
            )
            return None
        nonce = max(state.next_nonce, client.account_nonce(keypair.public_key.hex()))
        extrinsic = client.sign_transfer(
            keypair,
            dest=withdrawal.destination,
            asset_id=chain_ids[withdrawal.asset],
            amount=int(withdrawal.amount),
            nonce=nonce,
        )
        tx_hash = "0x" + extrinsic.extrinsic_hash.hex()
        payout = Payout.objects.create(
            withdrawal_id=withdrawal.pk,
            nonce=nonce,
            tx_hash=tx_hash,
            extrinsic=str(extrinsic.data),
            from_block=client.best_number(),
        )
        wallets.mark_withdrawal_submitted(withdrawal.pk, tx_hash)
        state.next_nonce = nonce + 1
        state.save(update_fields=["next_nonce", "updated_at"])
    return payout


def _wait_for(client: ChainClient, payout: Payout) -> Inclusion | None:
    deadline = time.monotonic() + INCLUSION_WAIT_SECONDS
    while True:
        inclusion = client.find_extrinsic(payout.tx_hash, payout.from_block)
        if inclusion is not None or time.monotonic() > deadline:
            return inclusion
        time.sleep(0.2)


def _settle(payout: Payout, inclusion: Inclusion) -> None:
    if inclusion.success:
        wallets.mark_withdrawal_paid(payout.withdrawal_id, block_hash=inclusion.block_hash)
    else:
        wallets.mark_withdrawal_failed(
            payout.withdrawal_id,
            failure_reason=f"The chain refused the transfer: {inclusion.error}",
            block_hash=inclusion.block_hash,
        )


def _fail_unsent(payout: Payout, reason: str) -> None:
    with transaction.atomic():
        state = _state(lock=True)
        if state.next_nonce == payout.nonce + 1:
            state.next_nonce = payout.nonce
            state.save(update_fields=["next_nonce", "updated_at"])
        wallets.mark_withdrawal_failed(
            payout.withdrawal_id, failure_reason=f"The node refused the transfer: {reason}"
        )


def reconcile_payouts(client: ChainClient) -> int:
    """Settle every `submitted` withdrawal from what the chain says: included → confirmed
    or failed; not found and its nonce still unused → the same extrinsic is sent again.
    Returns how many are still unresolved."""
    submitted = Withdrawal.objects.filter(status=WithdrawalStatus.SUBMITTED).values_list(
        "pk", flat=True
    )
    open_count = 0
    hot = hot_wallet().public_key.hex()
    for payout in Payout.objects.filter(withdrawal_id__in=list(submitted)).order_by("nonce"):
        inclusion = client.find_extrinsic(payout.tx_hash, payout.from_block)
        if inclusion is not None:
            _settle(payout, inclusion)
            continue
        open_count += 1
        if client.account_nonce(hot) <= payout.nonce:
            log.warning("payout %s not on chain: sending it again", payout.tx_hash)
            try:
                client.submit(payout.extrinsic)
            except SubmitRejected as exc:
                log.error("payout %s refused on resend: %s", payout.tx_hash, exc)
            inclusion = _wait_for(client, payout)
            if inclusion is not None:
                _settle(payout, inclusion)
                open_count -= 1
        else:
            # Its nonce was used but not by it as far as we searched: never guess
            # (a wrong "failed" would pay twice); staff look at it.
            log.error("payout %s: nonce %s used, extrinsic not found", payout.tx_hash, payout.nonce)
    return open_count


# --- Reconciliation ---------------------------------------------------------------------


def check_holdings(client: ChainClient) -> list[Holding]:
    """Record the hot wallet's on-chain balance of each chain-backed asset against what
    the ledger owes in it (staff's reconciliation: on chain must cover it). A payout sent
    but not yet settled has left the chain and not yet the ledger: the float covers it
    meanwhile."""
    hot = hot_wallet().public_key.hex()
    owed = liabilities()
    now = timezone.now()
    checked = []
    for asset, chain_id in chain_asset_ids().items():
        held = client.balance(hot, chain_id)
        holding, _ = Holding.objects.update_or_create(
            asset=asset,
            defaults={
                "on_chain": held,
                "owed": owed[asset],
                "short": held < owed[asset],
                "checked_at": now,
            },
        )
        checked.append(holding)
    return checked
