"""Wallet services: executing signed actions, sessions and tokens, faucet, withdrawals."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import serializers

from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core import errors, throttles
from marketplace.core.actions import REGISTRY, ActionContext, Reply
from marketplace.realtime.events import publish, publish_many, user_group

from .models import ApiToken, ReviewState, SignedAction, Wallet, Withdrawal, WithdrawalStatus
from .selectors import Answered, answered_action, wallet_for_key
from .serializers import WithdrawalSerializer
from .signing import Envelope, parse_envelope, verify

SESSION_KEY = "pm_wallet"


@dataclass(frozen=True)
class ActionResult:
    status: int
    body: dict
    replayed: bool = False


def execute_signed_action(
    action: str, body: object, url_kwargs: dict, request=None
) -> ActionResult:
    """Verify a signed-action envelope and run it exactly once.

    Order matters: shape (400) → signature (401) → domain (401) → replay check (an
    identical payload returns the first answer, another payload with the same nonce
    is 409) → freshness (401) → URL ids (400) → params (400) → the wallet's rate limit
    (429) → the service, inside one transaction together with the audit record. A
    nonce is consumed only when the signature verified and the service succeeded; on
    any error nothing is stored.

    The wallet's allowance is charged only for an envelope that passed every check
    and is not a replay: a leaked stale, foreign-domain or used signature sent again
    and again must not lock its owner out. Failures count against the client IP (the
    per-IP limit every API request pays).
    """
    envelope = parse_envelope(body)
    if envelope.action != action:
        raise errors.InvalidParams(
            f"This endpoint takes the action {action!r}.",
            {"action": f"This endpoint takes {action!r}."},
        )
    crypto_type = verify(envelope)
    if envelope.domain != settings.PM_DOMAIN:
        raise errors.WrongDomain()
    spec = REGISTRY[action]
    try:
        age = abs((timezone.now() - envelope.issued_at).total_seconds())
        if age > settings.PM_SIGNATURE_MAX_AGE_SECONDS:
            raise errors.StaleRequest()
        _check_url_ids(spec.url_params, url_kwargs, envelope.params)
        serializer = spec.params(data=envelope.params)
        serializer.is_valid(raise_exception=True)
    except (errors.ApiError, serializers.ValidationError):
        # The replay check comes first in the order above, but it costs a query: a
        # nonce used before is found here when a later check fails, or by the unique
        # (wallet, nonce) at the INSERT below.
        previous = _previous(envelope)
        if previous is not None:
            return _replay(previous, envelope)
        raise
    try:
        with transaction.atomic():
            wallet = (
                wallet_for_key(envelope.public_key)
                or Wallet.objects.get_or_create(public_key=envelope.public_key)[0]
            )
            record = SignedAction.objects.create(
                wallet=wallet,
                action=action,
                nonce=envelope.nonce,
                payload=envelope.raw_payload,
                signature="0x" + envelope.signature.hex(),
                crypto_type=crypto_type,
            )
            # After the insert: a used nonce has failed on its unique key by now.
            throttles.check_signed_action(envelope.public_key, action)
            ctx = ActionContext(
                action_id=record.pk,
                idempotency_key=f"action:{record.pk}",
                request=request,
            )
            answer = spec.handler(wallet, serializer.validated_data, ctx)
            if not isinstance(answer, Reply):
                answer = Reply(answer, spec.status)
            result = {**answer.body, "action_id": record.pk}
            stored = {k: v for k, v in result.items() if k not in spec.secret_fields}
            record.response_status = answer.status
            record.response_body = stored
            record.save(update_fields=["response_status", "response_body"])
    except IntegrityError as exc:
        # Either the same nonce raced us (then answer as a replay) or the action hit a
        # uniqueness rule of the domain (a concurrent duplicate).
        previous = _previous(envelope)
        if previous is not None:
            return _replay(previous, envelope)
        raise errors.Duplicate("This conflicts with something that already exists.") from exc
    return ActionResult(answer.status, result)


def _previous(envelope: Envelope) -> Answered | None:
    return answered_action(envelope.public_key, envelope.nonce)


def _replay(previous: Answered, envelope: Envelope) -> ActionResult:
    if previous.payload != envelope.raw_payload:
        raise errors.ReplayedNonce()
    return ActionResult(previous.status, previous.body, replayed=True)


def _check_url_ids(url_params: tuple[str, ...], url_kwargs: dict, params: dict) -> None:
    for name in url_params:
        if name in url_kwargs and str(params.get(name)) != str(url_kwargs[name]):
            raise errors.InvalidParams(
                f"{name} in the URL and in params differ.", {name: "does not match the URL"}
            )


# --- Sessions and tokens ------------------------------------------------------------------


def login(wallet: Wallet, request=None) -> str:
    """Open a browser session (when there is a request) and return a new API token."""
    if request is not None and hasattr(request, "session"):
        request.session.cycle_key()  # no session fixation across sign-ins
        request.session[SESSION_KEY] = wallet.public_key
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(wallet=wallet, key_hash=ApiToken.hash(raw))
    return raw


def logout(request, wallet: Wallet, token: str | None) -> None:
    """End the session and revoke the token the request came with."""
    if token:
        ApiToken.objects.filter(key_hash=ApiToken.hash(token), revoked_at=None).update(
            revoked_at=timezone.now()
        )
    if hasattr(request, "session"):
        request.session.flush()


# --- Money in and out -------------------------------------------------------------------


def faucet(wallet: Wallet, *, asset: str, amount: int, idempotency_key: str) -> None:
    """Test funds from outside. Only where the faucet is enabled, at most PM_FAUCET_MAX
    whole units per call."""
    if not settings.PM_FAUCET_ENABLED:
        raise errors.Forbidden("The faucet is disabled on this deployment.")
    decimals = _decimals(asset)
    cap = settings.PM_FAUCET_MAX * 10**decimals
    if amount > cap:
        message = f"The faucet gives at most {settings.PM_FAUCET_MAX} {asset} per request."
        raise errors.InvalidParams(message, {"amount": message})
    ledger.deposit(
        wallet.public_key,
        asset,
        amount,
        kind=TransferKind.FAUCET,
        reference=f"faucet:{wallet.public_key}",
        key=idempotency_key,
    )
    notify_balance(wallet.public_key)


def withdraw(
    wallet: Wallet, *, asset: str, amount: int, destination: str, idempotency_key: str
) -> Withdrawal:
    """Hold `amount` for a withdrawal to `destination` (a public key) until it is paid.
    Above the asset's PM_WITHDRAW_REVIEW_THRESHOLD it awaits an operator's review first
    (its status stays `pending`; `review_state` says why it is not paid yet)."""
    _decimals(asset)
    hold = ledger.create_hold(
        payer=ledger.user_account(wallet.public_key, asset),
        amount=amount,
        kind=TransferKind.WITHDRAWAL_HOLD,
        reference=f"withdrawal:{wallet.public_key}",
        idempotency_key=idempotency_key,
    )
    threshold = settings.PM_WITHDRAW_REVIEW_THRESHOLD.get(asset)
    reviewed = threshold is not None and amount > threshold
    withdrawal = Withdrawal.objects.create(
        wallet=wallet,
        asset=asset,
        amount=amount,
        destination=destination,
        hold_id=hold.id,
        review_state=ReviewState.AWAITING if reviewed else ReviewState.NOT_REQUIRED,
    )
    notify_balance(wallet.public_key)
    _notify_status(withdrawal)
    return withdrawal


def ensure_wallet(public_key: str) -> Wallet:
    """The wallet of a public key, created on first sight (a chain deposit's sender)."""
    wallet, _ = Wallet.objects.get_or_create(public_key=public_key)
    return wallet


def mark_withdrawal_submitted(withdrawal_id: int, tx_hash: str) -> Withdrawal:
    """The payer signed the payout: its hash is recorded before it is sent. Runs in the
    payer's transaction."""
    withdrawal = _lock_withdrawal(withdrawal_id, WithdrawalStatus.PENDING)
    withdrawal.status = WithdrawalStatus.SUBMITTED
    withdrawal.tx_hash = tx_hash
    withdrawal.save(update_fields=["status", "tx_hash"])
    _notify_status(withdrawal)
    return withdrawal


def mark_withdrawal_paid(withdrawal_id: int, note: str = "", block_hash: str = "") -> Withdrawal:
    """The transfer went out on chain (included with success, or staff say so where no
    chain is configured): the held money leaves the ledger."""
    with transaction.atomic():
        withdrawal = _lock_withdrawal(withdrawal_id, *OPEN)
        hold = ledger.get_hold(withdrawal.hold_id)
        ledger.post_hold(
            hold,
            [
                (
                    ledger.external_account(withdrawal.asset),
                    withdrawal.amount,
                    TransferKind.WITHDRAWAL,
                )
            ],
            reference=f"withdrawal:{withdrawal.pk}",
            return_kind=TransferKind.WITHDRAWAL_RETURN,
        )
        withdrawal.block_hash = block_hash
        return _decide(withdrawal, WithdrawalStatus.CONFIRMED, note)


def mark_withdrawal_failed(
    withdrawal_id: int, note: str = "", failure_reason: str = "", block_hash: str = ""
) -> Withdrawal:
    """The payout failed (or staff refuse it): the held money returns to the wallet."""
    with transaction.atomic():
        withdrawal = _lock_withdrawal(withdrawal_id, *OPEN)
        ledger.void_hold(
            ledger.get_hold(withdrawal.hold_id),
            kind=TransferKind.WITHDRAWAL_REFUND,
            reference=f"withdrawal:{withdrawal.pk}",
        )
        withdrawal.failure_reason = failure_reason[:200]
        withdrawal.block_hash = block_hash
        return _decide(withdrawal, WithdrawalStatus.FAILED, note)


OPEN = (WithdrawalStatus.PENDING, WithdrawalStatus.SUBMITTED)


# --- Staff: manual release and four eyes --------------------------------------------------


def release_withdrawal(withdrawal_id: int, *, by: str, note: str = "") -> Withdrawal:
    """Staff member `by` says a pending withdrawal was paid out by hand (where no payer
    runs). One that needs review is not paid on one person's word: a release before
    the approval is recorded as a request and pays when another operator approves; a
    release after the approval must come from someone other than the approver
    (else Forbidden)."""
    with transaction.atomic():
        withdrawal = _lock_withdrawal(withdrawal_id, WithdrawalStatus.PENDING)
        if withdrawal.review_state == ReviewState.REJECTED:
            raise errors.InvalidState(f"Withdrawal {withdrawal_id} was rejected.")
        if withdrawal.review_state == ReviewState.AWAITING:
            withdrawal.release_requested_by = by
            withdrawal.save(update_fields=["release_requested_by"])
            return withdrawal
        if withdrawal.review_state == ReviewState.APPROVED and withdrawal.reviewed_by == by:
            raise errors.Forbidden("The operator who approved a withdrawal cannot also release it.")
        withdrawal.release_requested_by = by
        withdrawal.save(update_fields=["release_requested_by"])
        return mark_withdrawal_paid(withdrawal_id, note=note or f"released by {by}")


def approve_withdrawal(withdrawal_id: int, *, by: str, note: str) -> Withdrawal:
    """Operator `by` approves a withdrawal awaiting review: it becomes ready to pay (the
    payer sends it), or is paid now if another staff member already asked for its
    manual release. Preconditions: it awaits review (else InvalidState); `by` did not
    ask for its release (else Forbidden: four eyes); a note (else InvalidParams)."""
    _require_note(note)
    with transaction.atomic():
        withdrawal = _lock_review(withdrawal_id)
        if withdrawal.release_requested_by == by:
            raise errors.Forbidden(
                "The staff member who asked for this release cannot approve it: "
                "another operator must."
            )
        _review(withdrawal, ReviewState.APPROVED, by, note)
        if withdrawal.release_requested_by:
            return mark_withdrawal_paid(
                withdrawal_id,
                note=f"released by {withdrawal.release_requested_by}, approved by {by}",
            )
    return withdrawal


def reject_withdrawal(withdrawal_id: int, *, by: str, note: str) -> Withdrawal:
    """Operator `by` rejects a withdrawal awaiting review: the held amount returns to the
    wallet and the withdrawal fails with the note as its reason. Preconditions: it
    awaits review (else InvalidState); a note (else InvalidParams)."""
    _require_note(note)
    with transaction.atomic():
        withdrawal = _lock_review(withdrawal_id)
        _review(withdrawal, ReviewState.REJECTED, by, note)
        return mark_withdrawal_failed(
            withdrawal_id, note=f"rejected by {by}", failure_reason=f"Rejected on review: {note}"
        )


def _lock_review(withdrawal_id: int) -> Withdrawal:
    withdrawal = _lock_withdrawal(withdrawal_id, WithdrawalStatus.PENDING)
    if withdrawal.review_state != ReviewState.AWAITING:
        raise errors.InvalidState(f"Withdrawal {withdrawal_id} is not awaiting review.")
    return withdrawal


def _review(withdrawal: Withdrawal, state: str, by: str, note: str) -> None:
    withdrawal.review_state = state
    withdrawal.reviewed_by = by
    withdrawal.reviewed_at = timezone.now()
    withdrawal.review_note = note
    withdrawal.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])


def _require_note(note: str) -> None:
    if not note.strip():
        raise errors.InvalidParams("Say why, for the record.", {"note": "required"})


def _lock_withdrawal(withdrawal_id: int, *statuses: str) -> Withdrawal:
    withdrawal = (
        Withdrawal.objects.select_for_update().select_related("wallet").get(pk=withdrawal_id)
    )
    if withdrawal.status not in statuses:
        raise errors.InvalidState(f"Withdrawal {withdrawal_id} is already {withdrawal.status}.")
    return withdrawal


def _decide(withdrawal: Withdrawal, status: str, note: str) -> Withdrawal:
    withdrawal.status = status
    withdrawal.decided_at = timezone.now()
    withdrawal.note = note
    withdrawal.save(update_fields=["status", "decided_at", "note", "block_hash", "failure_reason"])
    notify_balance(withdrawal.wallet.public_key)
    _notify_status(withdrawal)
    return withdrawal


def _notify_status(withdrawal: Withdrawal) -> None:
    publish(
        [user_group(withdrawal.wallet.public_key)],
        "withdrawal.status",
        WithdrawalSerializer(withdrawal).data,
    )


def _decimals(asset: str) -> int:
    try:
        return ledger_selectors.asset_decimals(asset)
    except ObjectDoesNotExist as exc:
        raise errors.InvalidParams(
            f"Unknown asset {asset!r}.", {"asset": "This market has no such asset."}
        ) from exc


def notify_balance(public_key: str) -> None:
    """Tell the wallet's sockets its balances changed (after commit)."""
    publish(
        [user_group(public_key)], "balance", _balance_data(ledger_selectors.balances(public_key))
    )


def notify_balances(public_keys: Iterable[str]) -> None:
    """`notify_balance` for many wallets, in a few statements whatever their number."""
    publish_many(
        ([user_group(key)], "balance", _balance_data(balances))
        for key, balances in sorted(ledger_selectors.balances_of(public_keys).items())
    )


def _balance_data(balances: list[ledger_selectors.Balance]) -> dict:
    return {
        "balances": [
            {
                "asset": b.asset,
                "available": str(b.available),
                "held": str(b.held),
                "staked": str(b.staked),
            }
            for b in balances
        ]
    }
