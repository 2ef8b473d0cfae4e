"""Concurrent spends of the same funds on PostgreSQL: exactly the affordable number
succeed and no balance ever goes negative."""

import threading

import pytest
from django.db import connection, connections, transaction

from ledger import selectors
from ledger import services as ledger
from ledger.errors import InsufficientFunds

ALICE = "a1" * 32


def spend_concurrently(threads: int, work) -> list[str]:
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
            result = "ok"
        except InsufficientFunds:
            result = "insufficient"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return outcomes


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

    outcomes = spend_concurrently(20, spend)
    assert outcomes.count("ok") == 1000 // 150
    assert outcomes.count("insufficient") == 20 - 1000 // 150
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

    outcomes = spend_concurrently(20, cross)
    assert outcomes == ["ok"] * 20
    assert selectors.available_balance(ALICE, "DOT") == 1000
    assert selectors.available_balance(bob, "DOT") == 1000
