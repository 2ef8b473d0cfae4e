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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from . import codes as account_codes
from . import sql
from .errors import HoldClosed, IdempotencyConflict, InsufficientFunds, InvalidAmount
from .fields import MAX_AMOUNT
from .kinds import TransferKind
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
    """The account `code` of `asset`, created empty on first use. Looked up with a raw
    query first: building it in the ORM cost more CPU (0.3-0.4 ms) than the rest of the
    lookup, on every movement of money."""
    found = Account.objects.raw(
        f"SELECT * FROM {Account._meta.db_table} WHERE asset_id = %s AND code = %s", [asset, code]
    )
    account = next(iter(found), None)
    if account is None:
        account, _ = Account.objects.get_or_create(
            asset_id=asset, code=code, defaults={"kind": kind}
        )
    return account


def user_account(owner: str, asset: str) -> Account:
    """A wallet's available balance; `owner` is its public key in hex."""
    return get_account(asset, AccountKind.USER, account_codes.user(owner))


def stake_account(owner: str, asset: str) -> Account:
    return get_account(asset, AccountKind.STAKE, account_codes.stake(owner))


def unbonding_account(owner: str, asset: str) -> Account:
    return get_account(asset, AccountKind.UNBONDING, account_codes.unbonding(owner))


def fees_account(asset: str) -> Account:
    return get_account(asset, AccountKind.FEES, "fees")


def external_account(asset: str) -> Account:
    return get_account(asset, AccountKind.EXTERNAL, "external")


def pool_account(pool_code: str, asset: str) -> Account:
    return get_account(asset, AccountKind.POOL, account_codes.pool(pool_code))


def fee_for(amount: int, fee_bps: int) -> int:
    """The platform's share of a payout, rounded down: the payee never pays more than
    the advertised rate and no fraction of a unit is created."""
    return amount * fee_bps // 10_000


# --- Transfers --------------------------------------------------------------------------


def _debit(cursor: CursorWrapper, account: Account, amount: int) -> None:
    """Take `amount` from `account` with a guarded UPDATE: the guard (`balance >= amount`,
    except for the external world) is checked by PostgreSQL on the latest row version
    after it gets the lock, so two concurrent spends of the same money cannot both pass
    it. InsufficientFunds if it fails."""
    cursor.execute(
        f"UPDATE {Account._meta.db_table} SET balance = balance - %s"
        " WHERE id = %s AND (balance >= %s OR kind = %s)",
        [amount, account.pk, amount, AccountKind.EXTERNAL],
    )
    if cursor.rowcount != 1:
        raise InsufficientFunds(
            "Not enough funds for this movement.",
            amount="That is more than your available balance.",
        )


def _apply(debit: Account, credit: Account, amount: int) -> None:
    """Move the balances with guarded UPDATEs, taking the two row locks in ascending id
    order so that crossing transfers (A→B while B→A) queue instead of deadlocking."""
    credit_sql = f"UPDATE {Account._meta.db_table} SET balance = balance + %s WHERE id = %s"
    with connection.cursor() as cursor:
        if debit.pk < credit.pk:
            _debit(cursor, debit, amount)
            cursor.execute(credit_sql, [amount, credit.pk])
        else:
            cursor.execute(credit_sql, [amount, credit.pk])
            try:
                _debit(cursor, debit, amount)
            except InsufficientFunds:
                # We still hold the credit row's lock: undo exactly what we added, so a
                # caller that catches the error inside its transaction sees no change.
                cursor.execute(credit_sql, [-amount, credit.pk])
                raise


def transfer(
    *,
    debit: Account,
    credit: Account,
    amount: int,
    kind: TransferKind,
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
    owner: str, asset: str, amount: int, *, kind: TransferKind, reference: str, key: str
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


@dataclass(frozen=True, slots=True)
class HoldRef:
    """A hold as the marketplace keeps it: its id, to store (a job's `escrow_hold_id`)
    and to hand back to pay, shrink, post or void it. What it holds and whether it is
    open are read through ledger.selectors."""

    id: int


def create_hold(
    *,
    payer: Account,
    amount: int,
    kind: TransferKind,
    reference: str,
    idempotency_key: str | None = None,
) -> HoldRef:
    """Park `amount` of the payer's money in a new hold account.

    InsufficientFunds if the payer lacks it. A repeated key returns the first hold."""
    _require_transaction()
    validate_amount(amount)
    if idempotency_key is not None:
        # In SQL: the ORM took 0.3-0.4 ms of CPU to build this lookup, which every
        # escrowed job pays.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Hold._meta.db_table} WHERE idempotency_key = %s",
                [idempotency_key],
            )
            first = cursor.fetchone()
        if first is not None:
            return HoldRef(first[0])
    # The payer is debited first, so a refusal writes nothing; the hold account is new
    # (no other transaction can see or lock it), so it is created with its balance.
    with connection.cursor() as cursor:
        _debit(cursor, payer, amount)
    account = Account.objects.create(
        asset_id=payer.asset_id,
        kind=AccountKind.HOLD,
        code=f"hold:{uuid.uuid4().hex}",
        balance=amount,
    )
    hold = Hold.objects.create(
        asset_id=payer.asset_id,
        payer=payer,
        account=account,
        amount=amount,
        reference=reference,
        idempotency_key=idempotency_key,
    )
    Transfer.objects.create(
        asset_id=payer.asset_id,
        debit_account=payer,
        credit_account=account,
        amount=amount,
        kind=kind,
        reference=reference,
        hold=hold,
    )
    return HoldRef(hold.pk)


def get_hold(hold_id: int) -> HoldRef:
    """The hold `hold_id`, to hand to the functions below (which raise Hold.DoesNotExist
    if there is none)."""
    return HoldRef(hold_id)


def hold_account(hold_id: int) -> Account:
    """The account a hold's money sits in, to fund another hold out of it (a federated
    job's escrow pays for its tasks' escrows, which return to it what they do not pay)."""
    return Hold.objects.select_related("account").get(pk=hold_id).account


def pay_from_hold(
    hold: HoldRef, payouts: Sequence[tuple[Account, int, TransferKind]], *, reference: str
) -> None:
    """Pay each `(account, amount, kind)` out of a hold that stays open (a federated job
    pays each round's data owners and keeps the rest for the rounds to come).
    InsufficientFunds if the payouts exceed what it holds; HoldClosed if it is closed."""
    _require_transaction()
    _pay_out(_lock_open_hold(hold), payouts, reference)


def _pay_out(
    hold: Hold, payouts: Sequence[tuple[Account, int, TransferKind]], reference: str
) -> None:
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


def _lock_open_hold(hold: HoldRef) -> Hold:
    locked = Hold.objects.select_for_update().select_related("account", "payer").get(pk=hold.id)
    if locked.status != HoldStatus.PENDING:
        raise HoldClosed(f"Hold {hold.id} is already {locked.status}.")
    return locked


def shrink_hold(hold: HoldRef, new_amount: int, *, kind: TransferKind, reference: str) -> None:
    """Return everything above `new_amount` to the payer; the hold stays open."""
    _require_transaction()
    locked = _lock_open_hold(hold)
    validate_amount(new_amount)
    excess = locked.account.balance - new_amount
    if excess < 0:
        raise InsufficientFunds("The hold holds less than that.")
    if excess:
        transfer(
            debit=locked.account,
            credit=locked.payer,
            amount=excess,
            kind=kind,
            reference=reference,
            hold=locked,
        )


def post_hold(
    hold: HoldRef,
    payouts: Sequence[tuple[Account, int, TransferKind]],
    *,
    reference: str,
    return_kind: TransferKind,
) -> None:
    """Pay each `(account, amount, kind)` out of the hold, return the rest to the payer
    and close the hold as posted. Exactly once: a closed hold raises HoldClosed."""
    _require_transaction()
    locked = _lock_open_hold(hold)
    _pay_out(locked, payouts, reference)
    remaining = Account.objects.get(pk=locked.account_id).balance
    if remaining:
        transfer(
            debit=locked.account,
            credit=locked.payer,
            amount=remaining,
            kind=return_kind,
            reference=reference,
            hold=locked,
        )
    _close(locked, HoldStatus.POSTED)


def void_hold(hold: HoldRef, *, kind: TransferKind, reference: str) -> None:
    """Return the whole hold to the payer and close it as voided (exactly once)."""
    _require_transaction()
    locked = _lock_open_hold(hold)
    if locked.account.balance:
        transfer(
            debit=locked.account,
            credit=locked.payer,
            amount=locked.account.balance,
            kind=kind,
            reference=reference,
            hold=locked,
        )
    _close(locked, HoldStatus.VOIDED)


def _close(hold: Hold, status: str) -> None:
    hold.status = status
    hold.closed_at = timezone.now()
    hold.save(update_fields=["status", "closed_at"])


# --- Many at once ------------------------------------------------------------------------
# The paths above move one transfer per call, a few statements each. Sweeps and batch
# settlement move thousands: these apply a whole set with a handful of statements
# whatever its size, under the same rules — inside the caller's transaction, account
# rows locked in ascending id order (holds first, as the single paths do), no
# non-external account below zero, idempotency keys honoured, all or nothing.

# PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766.
_ROWS_PER_STATEMENT = 5_000


@dataclass(frozen=True)
class Move:
    """One transfer of a set: `amount` from `debit` to `credit`."""

    debit: Account
    credit: Account
    amount: int
    kind: TransferKind
    reference: str = ""
    idempotency_key: str | None = None
    hold_id: int | None = None


@dataclass(frozen=True)
class HoldPosting:
    """Pay each `(account, amount, kind)` out of hold `hold_id`, the rest back to its
    payer as `return_kind` (what `post_hold` does for one)."""

    hold_id: int
    payouts: Sequence[tuple[Account, int, TransferKind]]
    reference: str
    return_kind: TransferKind


@dataclass(frozen=True)
class HoldVoid:
    """Return all of hold `hold_id` to its payer as `kind` (what `void_hold` does)."""

    hold_id: int
    kind: TransferKind
    reference: str


def get_accounts(asset: str, kind: str, codes: Iterable[str]) -> dict[str, Account]:
    """The accounts `codes` of `asset`, those missing created empty: two or three
    statements for any number of accounts."""
    wanted = set(codes)
    found = {a.code: a for a in Account.objects.filter(asset_id=asset, code__in=wanted)}
    missing = wanted - found.keys()
    if missing:
        Account.objects.bulk_create(
            [Account(asset_id=asset, kind=kind, code=code) for code in sorted(missing)],
            ignore_conflicts=True,  # another transaction may create one meanwhile
        )
        found |= {a.code: a for a in Account.objects.filter(asset_id=asset, code__in=missing)}
    return found


def user_accounts(owners: Iterable[str], asset: str) -> dict[str, Account]:
    """Wallets' available balances of `asset`, by owner public key (hex)."""
    by_code = get_accounts(asset, AccountKind.USER, (account_codes.user(owner) for owner in owners))
    return {code.removeprefix("user:"): account for code, account in by_code.items()}


def transfer_many(moves: Sequence[Move]) -> int:
    """Apply every move, or none (InsufficientFunds, IdempotencyConflict): the net
    change of each account is checked against its balance under a row lock, applied
    by one multi-row UPDATE and recorded by one COPY (multi-row INSERTs off
    PostgreSQL). A move whose idempotency key was used before is skipped
    (IdempotencyConflict if that key moved other money). Returns how many transfers
    were written."""
    _require_transaction()
    for move in moves:
        if move.debit.asset_id != move.credit.asset_id:
            raise ValueError("a transfer moves one asset")
    return _write(
        [
            _Row(
                m.debit.asset_id,
                m.debit.pk,
                m.credit.pk,
                m.amount,
                m.kind,
                m.reference,
                m.idempotency_key,
                m.hold_id,
            )
            for m in moves
        ]
    )


class _Row(NamedTuple):
    """A transfer about to be written, as the columns of its row: a set of thousands is
    built and checked as plain tuples, with no model instance per transfer."""

    asset_id: str
    debit_id: int
    credit_id: int
    amount: int
    kind: str
    reference: str
    idempotency_key: str | None
    hold_id: int | None


def _write(rows: list[_Row]) -> int:
    rows = _new_rows(rows)
    if not rows:
        return 0
    delta: dict[int, int] = {}
    for row in rows:
        delta[row.debit_id] = delta.get(row.debit_id, 0) - row.amount
        delta[row.credit_id] = delta.get(row.credit_id, 0) + row.amount
    with transaction.atomic():  # a savepoint: a caller that catches the error sees no change
        _apply_deltas(delta)
        _insert_transfers(rows)
    return len(rows)


def _new_rows(rows: list[_Row]) -> list[_Row]:
    for row in rows:
        validate_amount(row.amount)
        if row.debit_id == row.credit_id:
            raise ValueError("a transfer needs two different accounts")
    keys = [r.idempotency_key for r in rows if r.idempotency_key is not None]
    if len(keys) != len(set(keys)):
        raise IdempotencyConflict("one idempotency key names two moves of the same set")
    if not keys:
        return rows
    first = {
        key: (debit, credit, int(amount))
        for key, debit, credit, amount in Transfer.objects.filter(
            idempotency_key__in=keys
        ).values_list("idempotency_key", "debit_account_id", "credit_account_id", "amount")
    }
    fresh = []
    for row in rows:
        done = first.get(row.idempotency_key) if row.idempotency_key is not None else None
        if done is None:
            fresh.append(row)
        elif done != (row.debit_id, row.credit_id, row.amount):
            raise IdempotencyConflict(f"{row.idempotency_key} already moved other money")
    return fresh


_TRANSFER_COLUMNS = (
    "asset_id, debit_account_id, credit_account_id, amount, kind, reference, "
    "idempotency_key, hold_id, created_at"
)


def _insert_transfers(rows: list[_Row]) -> None:
    """COPY on PostgreSQL: several times cheaper than a multi-row INSERT for thousands
    of rows, as no statement of 9 parameters a row is built, bound or planned."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        Transfer.objects.bulk_create(
            [
                Transfer(
                    asset_id=r.asset_id,
                    debit_account_id=r.debit_id,
                    credit_account_id=r.credit_id,
                    amount=r.amount,
                    kind=r.kind,
                    reference=r.reference,
                    idempotency_key=r.idempotency_key,
                    hold_id=r.hold_id,
                    created_at=now,
                )
                for r in rows
            ],
            batch_size=_ROWS_PER_STATEMENT // 10,
        )
        return
    table = Transfer._meta.db_table
    copy_in = f"COPY {table} ({_TRANSFER_COLUMNS}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_in) as copy:
        for row in rows:
            copy.write_row((*row, now))


def _apply_deltas(delta: dict[int, int]) -> None:
    """Lock the accounts in ascending id order, refuse if any but the external world
    would end below zero, then add each net change: one SELECT … FOR UPDATE and one
    UPDATE … FROM unnest(…) on PostgreSQL, a pair per 2,500 accounts (VALUES) elsewhere."""
    table = Account._meta.db_table
    ids = sorted(account_id for account_id, change in delta.items() if change)
    # PostgreSQL takes any number of ids as one array; elsewhere, a placeholder each.
    if connection.vendor == "postgresql":
        per_statement = max(len(ids), 1)
    else:
        per_statement = _ROWS_PER_STATEMENT // 2
    with connection.cursor() as cursor:
        for chunk in _chunks(ids, per_statement):
            ids_sql, ids_params = sql.among("id", chunk)
            lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
            cursor.execute(
                f"SELECT id, balance, kind FROM {table} WHERE {ids_sql} ORDER BY id{lock}",
                ids_params,
            )
            for account_id, balance, kind in cursor.fetchall():
                if kind != AccountKind.EXTERNAL and balance + delta[account_id] < 0:
                    raise InsufficientFunds(
                        "Not enough funds for this movement.",
                        amount="That is more than your available balance.",
                    )
            if connection.vendor == "postgresql":
                changes_sql = "unnest(%s::bigint[], %s::numeric[]) AS v(column1, column2)"
                changes_params: list[Any] = [
                    sql.int_array(chunk),
                    sql.int_array(delta[account_id] for account_id in chunk),
                ]
            else:
                changes_sql = "(VALUES {}) AS v".format(", ".join(["(%s, %s)"] * len(chunk)))
                changes_params = [
                    value
                    for account_id in chunk
                    for value in (account_id, Decimal(delta[account_id]))
                ]
            cursor.execute(
                f"UPDATE {table} SET balance = balance + v.column2 FROM {changes_sql} "
                f"WHERE {table}.id = v.column1",
                changes_params,
            )


def _chunks[T](items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def post_holds(postings: Sequence[HoldPosting]) -> None:
    """`post_hold` for many holds at once, exactly once each: HoldClosed (and nothing
    moves) if any of them is already closed."""
    _close_holds(
        {p.hold_id: p for p in postings},
        HoldStatus.POSTED,
        lambda hold, posting: [
            _Row(
                hold.asset_id,
                hold.account_id,
                account.pk,
                amount,
                kind,
                posting.reference,
                None,
                hold.pk,
            )
            for account, amount, kind in posting.payouts
            if amount and _same_asset(hold, account)
        ],
        lambda posting: (posting.return_kind, posting.reference),
    )


def _same_asset(hold: "_OpenHold", account: Account) -> bool:
    if account.asset_id != hold.asset_id:
        raise ValueError("a transfer moves one asset")
    return True


def void_holds(voids: Sequence[HoldVoid]) -> None:
    """`void_hold` for many holds at once, exactly once each (HoldClosed otherwise)."""
    _close_holds(
        {v.hold_id: v for v in voids},
        HoldStatus.VOIDED,
        lambda hold, void: [],
        lambda void: (void.kind, void.reference),
    )


class _OpenHold(NamedTuple):
    pk: int
    asset_id: str
    account_id: int
    payer_id: int
    balance: int


def _close_holds[Spec](
    by_hold: dict[int, Spec],
    status: str,
    payouts: Callable[[_OpenHold, Spec], list[_Row]],
    return_of: Callable[[Spec], tuple[TransferKind, str]],
) -> None:
    _require_transaction()
    if not by_hold:
        return
    hold_ids = sorted(by_hold)
    ids_sql, ids_params = sql.among("h.id", hold_ids)
    lock = " FOR UPDATE OF h" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.id, h.status, h.asset_id, h.account_id, h.payer_id, a.balance"
            f" FROM {Hold._meta.db_table} h JOIN {Account._meta.db_table} a ON a.id = h.account_id"
            f" WHERE {ids_sql} ORDER BY h.id{lock}",
            ids_params,
        )
        holds = cursor.fetchall()
    if len(holds) != len(by_hold):
        raise Hold.DoesNotExist(f"no hold {sorted(by_hold.keys() - {h[0] for h in holds})}")
    rows = []
    for pk, hold_status, asset_id, account_id, payer_id, balance in holds:
        if hold_status != HoldStatus.PENDING:
            raise HoldClosed(f"Hold {pk} is already {hold_status}.")
        spec = by_hold[pk]
        paid = payouts(_OpenHold(pk, asset_id, account_id, payer_id, int(balance)), spec)
        remaining = int(balance) - sum(r.amount for r in paid)
        if remaining < 0:
            raise InsufficientFunds("The payouts exceed what the hold holds.")
        rows += paid
        if remaining:
            kind, reference = return_of(spec)
            rows.append(_Row(asset_id, account_id, payer_id, remaining, kind, reference, None, pk))
    _write(rows)
    ids_sql, ids_params = sql.among("id", hold_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Hold._meta.db_table} SET status = %s, closed_at = %s WHERE {ids_sql}",
            [status, connection.ops.adapt_datetimefield_value(timezone.now()), *ids_params],
        )
