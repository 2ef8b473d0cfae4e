"""Concurrent spends of the same funds on PostgreSQL: exactly the affordable number
succeed and no balance ever goes negative."""

from functools import partial

import pytest
from django.db import connection, transaction

from ledger import selectors
from ledger import services as ledger
from ledger.errors import InsufficientFunds
from tests.concurrency import run_at_once

ALICE = "a1" * 32


def race(work, count: int) -> list[str]:
    """`work(i)` for i in range(count), all at once: "ok" or "insufficient" each."""
    results = run_at_once(*(partial(work, i) for i in range(count)), catch=(InsufficientFunds,))
    return ["insufficient" if isinstance(r, InsufficientFunds) else "ok" for r in results]


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_spending_one_balance_succeed_exactly_balance_over_amount_times():
    assert connection.vendor == "postgresql"
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 1000, kind="test", reference="t", key="fund")

    def spend(i: int) -> None:
        with transaction.atomic():
            ledger.transfer(
                debit=ledger.user_account(ALICE, "DOT"),
                credit=ledger.user_account(f"{i:064x}", "DOT"),
                amount=150,
                kind="test",
            )

    results = race(spend, 20)
    assert results.count("ok") == 1000 // 150
    assert results.count("insufficient") == 20 - 1000 // 150
    assert selectors.available_balance(ALICE, "DOT") == 1000 - 150 * (1000 // 150)


@pytest.mark.django_db(transaction=True)
def test_crossing_transfers_between_two_accounts_do_not_deadlock():
    bob = "b0" * 32
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 1000, kind="test", reference="t", key="a")
        ledger.deposit(bob, "DOT", 1000, kind="test", reference="t", key="b")

    def cross(i: int) -> None:
        payer, payee = (ALICE, bob) if i % 2 else (bob, ALICE)
        with transaction.atomic():
            ledger.transfer(
                debit=ledger.user_account(payer, "DOT"),
                credit=ledger.user_account(payee, "DOT"),
                amount=10,
                kind="test",
            )

    results = race(cross, 20)
    assert results == ["ok"] * 20
    assert selectors.available_balance(ALICE, "DOT") == 1000
    assert selectors.available_balance(bob, "DOT") == 1000
