"""The only code that moves money.

Rules every function here keeps:
- It runs inside the caller's `transaction.atomic()` and refuses to run outside one:
  the marketplace service that calls it owns the one outermost transaction, so a
  domain change and its money movement commit or roll back together.
- Amounts are Python ints > 0; the database stores NUMERIC(39,0).
- Balances change through guarded UPDATEs that take the account row locks in
  ascending id order: movements touching the same accounts serialise instead of
  deadlocking, and a spend is checked against the balance as of the lock.
- An idempotency key makes a repeat return the first result instead of moving twice.
"""

import uuid
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from .errors import HoldClosed, IdempotencyConflict, InsufficientFunds, InvalidAmount
from .fields import MAX_AMOUNT
from .models import Account, AccountKind, Hold, HoldStatus, Transfer


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("ledger functions must run inside the caller's transaction.atomic()")


def validate_amount(amount: object) -> int:
    """An amount is an int in 1..10^39-1; bool and float are refused outright."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InvalidAmount("Amounts are integers in the asset's smallest unit.")
    if amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidAmount("The amount must be positive and at most 39 digits.")
    return amount


# --- Accounts ---------------------------------------------------------------------------


def get_account(asset: str, kind: str, code: str) -> Account:
    """The account `code` of `asset`, created empty on first use."""
    account, _ = Account.objects.get_or_create(asset_id=asset, code=code, defaults={"kind": kind})
    return account


def user_account(owner: str, asset: str) -> Account:
    """A wallet's available balance; `owner` is its public key in hex."""
    return get_account(asset, AccountKind.USER, f"user:{owner}")


def stake_account(owner: str, asset: str) -> Account:
    return get_account(asset, AccountKind.STAKE, f"stake:{owner}")


def unbonding_account(owner: str, asset: str) -> Account:
    return get_account(asset, AccountKind.UNBONDING, f"unbonding:{owner}")


def fees_account(asset: str) -> Account:
    return get_account(asset, AccountKind.FEES, "fees")


def external_account(asset: str) -> Account:
    return get_account(asset, AccountKind.EXTERNAL, "external")


def pool_account(pool_code: str, asset: str) -> Account:
    return get_account(asset, AccountKind.POOL, f"pool:{pool_code}")


def fee_for(amount: int, fee_bps: int) -> int:
    """The platform's share of a payout, rounded down: the payee never pays more than
    the advertised rate and no fraction of a unit is created."""
    return amount * fee_bps // 10_000


# --- Transfers --------------------------------------------------------------------------


def _apply(debit: Account, credit: Account, amount: int) -> None:
    """Move the balances with guarded UPDATEs, taking the two row locks in ascending id
    order so that crossing transfers (A→B while B→A) queue instead of deadlocking.

    The debit's guard (`balance >= amount`, except for the external world) is checked
    by PostgreSQL on the latest row version after it gets the lock, so two concurrent
    spends of the same money cannot both pass it."""
    table = Account._meta.db_table
    guarded = (
        f"UPDATE {table} SET balance = balance - %s WHERE id = %s AND (balance >= %s OR kind = %s)"
    )
    credit_sql = f"UPDATE {table} SET balance = balance + %s WHERE id = %s"
    with connection.cursor() as cursor:
        if debit.pk < credit.pk:
            cursor.execute(guarded, [amount, debit.pk, amount, AccountKind.EXTERNAL])
            if cursor.rowcount != 1:
                raise InsufficientFunds(
                    "Not enough funds for this movement.", amount="insufficient"
                )
            cursor.execute(credit_sql, [amount, credit.pk])
        else:
            cursor.execute(credit_sql, [amount, credit.pk])
            cursor.execute(guarded, [amount, debit.pk, amount, AccountKind.EXTERNAL])
            if cursor.rowcount != 1:
                # We still hold the credit row's lock: undo exactly what we added, so a
                # caller that catches the error inside its transaction sees no change.
                cursor.execute(credit_sql, [-amount, credit.pk])
                raise InsufficientFunds(
                    "Not enough funds for this movement.", amount="insufficient"
                )


def transfer(
    *,
    debit: Account,
    credit: Account,
    amount: int,
    kind: str,
    reference: str = "",
    idempotency_key: str | None = None,
    hold: Hold | None = None,
) -> Transfer:
    """Move `amount` from `debit` to `credit`.

    Preconditions: inside a transaction; same asset; different accounts; the debit
    account (unless it is the external world) holds at least `amount`, else
    InsufficientFunds and nothing moves. With an `idempotency_key` used before, the
    first transfer is returned (IdempotencyConflict if it moved something else).
    The Account objects passed in are not refreshed: read balances through selectors.
    """
    _require_transaction()
    validate_amount(amount)
    if debit.asset_id != credit.asset_id:
        raise ValueError("a transfer moves one asset")
    if debit.pk == credit.pk:
        raise ValueError("a transfer needs two different accounts")
    if idempotency_key is not None:
        first = Transfer.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            same = (first.debit_account_id, first.credit_account_id, first.amount) == (
                debit.pk,
                credit.pk,
                amount,
            )
            if not same:
                raise IdempotencyConflict(f"{idempotency_key} already moved other money")
            return first
    _apply(debit, credit, amount)
    return Transfer.objects.create(
        asset_id=debit.asset_id,
        debit_account=debit,
        credit_account=credit,
        amount=amount,
        kind=kind,
        reference=reference,
        idempotency_key=idempotency_key,
        hold=hold,
    )


def deposit(
    owner: str, asset: str, amount: int, *, kind: str, reference: str, key: str
) -> Transfer:
    """Money entering from outside (faucet, demo funding, a bridge deposit)."""
    return transfer(
        debit=external_account(asset),
        credit=user_account(owner, asset),
        amount=amount,
        kind=kind,
        reference=reference,
        idempotency_key=key,
    )


# --- Holds ------------------------------------------------------------------------------


def create_hold(
    *, payer: Account, amount: int, kind: str, reference: str, idempotency_key: str | None = None
) -> Hold:
    """Park `amount` of the payer's money in a new hold account.

    InsufficientFunds if the payer lacks it. A repeated key returns the first hold."""
    _require_transaction()
    validate_amount(amount)
    if idempotency_key is not None:
        first = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            return first
    account = Account.objects.create(
        asset_id=payer.asset_id, kind=AccountKind.HOLD, code=f"hold:{uuid.uuid4().hex}"
    )
    hold = Hold.objects.create(
        asset_id=payer.asset_id,
        payer=payer,
        account=account,
        amount=amount,
        reference=reference,
        idempotency_key=idempotency_key,
    )
    transfer(debit=payer, credit=account, amount=amount, kind=kind, reference=reference, hold=hold)
    return hold


def get_hold(hold_id: int) -> Hold:
    return Hold.objects.get(pk=hold_id)


def _lock_open_hold(hold: Hold) -> Hold:
    locked = Hold.objects.select_for_update().select_related("account", "payer").get(pk=hold.pk)
    if locked.status != HoldStatus.PENDING:
        raise HoldClosed(f"Hold {hold.pk} is already {locked.status}.")
    return locked


def shrink_hold(hold: Hold, new_amount: int, *, kind: str, reference: str) -> Hold:
    """Return everything above `new_amount` to the payer; the hold stays open."""
    _require_transaction()
    hold = _lock_open_hold(hold)
    validate_amount(new_amount)
    excess = hold.account.balance - new_amount
    if excess < 0:
        raise InsufficientFunds("The hold holds less than that.")
    if excess:
        transfer(
            debit=hold.account,
            credit=hold.payer,
            amount=excess,
            kind=kind,
            reference=reference,
            hold=hold,
        )
    return hold


def post_hold(
    hold: Hold, payouts: Sequence[tuple[Account, int, str]], *, reference: str, return_kind: str
) -> Hold:
    """Pay each `(account, amount, kind)` out of the hold, return the rest to the payer
    and close the hold as posted. Exactly once: a closed hold raises HoldClosed."""
    _require_transaction()
    hold = _lock_open_hold(hold)
    remaining = hold.account.balance
    for account, amount, kind in payouts:
        if amount == 0:
            continue
        if amount > remaining:
            raise InsufficientFunds("The payouts exceed what the hold holds.")
        transfer(
            debit=hold.account,
            credit=account,
            amount=amount,
            kind=kind,
            reference=reference,
            hold=hold,
        )
        remaining -= amount
    if remaining:
        transfer(
            debit=hold.account,
            credit=hold.payer,
            amount=remaining,
            kind=return_kind,
            reference=reference,
            hold=hold,
        )
    return _close(hold, HoldStatus.POSTED)


def void_hold(hold: Hold, *, kind: str, reference: str) -> Hold:
    """Return the whole hold to the payer and close it as voided (exactly once)."""
    _require_transaction()
    hold = _lock_open_hold(hold)
    if hold.account.balance:
        transfer(
            debit=hold.account,
            credit=hold.payer,
            amount=hold.account.balance,
            kind=kind,
            reference=reference,
            hold=hold,
        )
    return _close(hold, HoldStatus.VOIDED)


def _close(hold: Hold, status: str) -> Hold:
    hold.status = status
    hold.closed_at = timezone.now()
    hold.save(update_fields=["status", "closed_at"])
    return hold
