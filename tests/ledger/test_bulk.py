"""The set-based paths: the same rules as the single-transfer API (all or nothing,
nothing negative, idempotency, exactly-once holds) for any number of moves."""

from functools import partial

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import selectors
from ledger import services as ledger
from ledger.errors import HoldClosed, IdempotencyConflict, InsufficientFunds
from ledger.services import HoldPosting, HoldVoid, Move
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db

ALICE = "a1" * 32
BOB = "b0" * 32
CAROL = "c0" * 32


def fund(owner: str, amount: int, asset: str = "DOT") -> None:
    with transaction.atomic():
        ledger.deposit(owner, asset, amount, kind="test", reference="t", key=f"fund:{owner}")


def test_a_set_of_moves_changes_each_balance_by_its_net_amount():
    fund(ALICE, 1000)
    with transaction.atomic():
        accounts = ledger.user_accounts([ALICE, BOB, CAROL], "DOT")
        written = ledger.transfer_many(
            [
                Move(accounts[ALICE], accounts[BOB], 700, "test"),
                Move(accounts[BOB], accounts[CAROL], 650, "test"),
                Move(accounts[ALICE], accounts[CAROL], 300, "test"),
            ]
        )
    assert written == 3
    assert [selectors.available_balance(o, "DOT") for o in (ALICE, BOB, CAROL)] == [0, 50, 950]


def test_a_set_that_would_leave_an_account_negative_moves_nothing():
    fund(ALICE, 1000)
    with transaction.atomic():
        accounts = ledger.user_accounts([ALICE, BOB], "DOT")
        with pytest.raises(InsufficientFunds):
            ledger.transfer_many(
                [
                    Move(accounts[ALICE], accounts[BOB], 600, "test"),
                    Move(accounts[ALICE], accounts[BOB], 401, "test"),
                ]
            )
        # the caller caught it inside its transaction and sees no change
        assert selectors.available_balance(ALICE, "DOT") == 1000
        assert selectors.available_balance(BOB, "DOT") == 0


def test_a_repeated_key_moves_once_and_a_key_reused_for_other_money_is_refused():
    fund(ALICE, 1000)
    with transaction.atomic():
        accounts = ledger.user_accounts([ALICE, BOB], "DOT")
        move = Move(accounts[ALICE], accounts[BOB], 100, "test", idempotency_key="k:1")
        assert ledger.transfer_many([move]) == 1
        assert ledger.transfer_many([move, Move(accounts[ALICE], accounts[BOB], 5, "t")]) == 1
        with pytest.raises(IdempotencyConflict):
            ledger.transfer_many(
                [Move(accounts[ALICE], accounts[BOB], 101, "test", idempotency_key="k:1")]
            )
        with pytest.raises(IdempotencyConflict):
            ledger.transfer_many([move, move])
    assert selectors.available_balance(BOB, "DOT") == 105


def test_missing_accounts_are_created_once():
    with transaction.atomic():
        first = ledger.user_accounts([ALICE, BOB], "DOT")
        again = ledger.user_accounts([BOB, CAROL], "DOT")
    assert first[BOB].pk == again[BOB].pk
    assert len({first[ALICE].pk, first[BOB].pk, again[CAROL].pk}) == 3


def _hold(owner: str, amount: int, reference: str):
    return ledger.create_hold(
        payer=ledger.user_account(owner, "DOT"), amount=amount, kind="escrow", reference=reference
    )


def test_posting_and_voiding_many_holds_pays_out_returns_the_rest_and_closes_them():
    fund(ALICE, 1000)
    fund(BOB, 1000)
    with transaction.atomic():
        paid, returned, voided = _hold(ALICE, 600, "a"), _hold(BOB, 300, "b"), _hold(BOB, 200, "c")
        carol = ledger.user_account(CAROL, "DOT")
        ledger.post_holds(
            [
                HoldPosting(paid.id, [(carol, 500, "payout")], "job:a", "escrow_return"),
                HoldPosting(returned.id, [(carol, 0, "payout")], "job:b", "escrow_return"),
            ]
        )
        ledger.void_holds([HoldVoid(voided.id, "escrow_refund", "job:c")])
    assert selectors.available_balance(ALICE, "DOT") == 500
    assert selectors.available_balance(BOB, "DOT") == 1000
    assert selectors.available_balance(CAROL, "DOT") == 500
    assert [selectors.hold_status(h.id) for h in (paid, returned, voided)] == [
        "posted",
        "posted",
        "voided",
    ]
    assert [selectors.hold_balance(h.id) for h in (paid, returned, voided)] == [0, 0, 0]


def test_a_closed_hold_in_the_set_closes_nothing():
    fund(ALICE, 1000)
    with transaction.atomic():
        open_hold, closed = _hold(ALICE, 100, "a"), _hold(ALICE, 100, "b")
        ledger.void_hold(closed, kind="escrow_refund", reference="b")
    with pytest.raises(HoldClosed), transaction.atomic():
        ledger.void_holds(
            [HoldVoid(open_hold.id, "escrow_refund", "a"), HoldVoid(closed.id, "x", "b")]
        )
    assert selectors.hold_status(open_hold.id) == "pending"
    assert selectors.available_balance(ALICE, "DOT") == 900


def test_payouts_above_what_a_hold_holds_are_refused():
    fund(ALICE, 1000)
    with pytest.raises(InsufficientFunds), transaction.atomic():
        hold = _hold(ALICE, 100, "a")
        bob = ledger.user_account(BOB, "DOT")
        ledger.post_holds([HoldPosting(hold.id, [(bob, 101, "payout")], "a", "r")])


moves_strategy = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 400)), max_size=12
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=moves_strategy)
def test_the_set_path_ends_where_the_single_path_ends_or_refuses_where_it_could_not(moves):
    """Model check: applying the set at once gives the balances of applying each move
    in turn; when the set's net change would overdraw an account it is refused whole."""
    owners = [f"{i:02x}" * 32 for i in range(4)]
    moves = [(d, c, a) for d, c, a in moves if d != c]
    with transaction.atomic():
        start = transaction.savepoint()
        for index, owner in enumerate(owners):
            ledger.deposit(owner, "DOT", 500, kind="test", reference="t", key=f"m:{index}")
        accounts = ledger.user_accounts(owners, "DOT")
        expected = [500] * 4
        for debit, credit, amount in moves:
            expected[debit] -= amount
            expected[credit] += amount
        batch = [Move(accounts[owners[d]], accounts[owners[c]], a, "test") for d, c, a in moves]
        if min(expected) < 0:
            with pytest.raises(InsufficientFunds):
                ledger.transfer_many(batch)
            expected = [500] * 4
        else:
            ledger.transfer_many(batch)
        assert [selectors.available_balance(o, "DOT") for o in owners] == expected
        transaction.savepoint_rollback(start)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sets_spending_one_balance_never_overdraw_it():
    assert connection.vendor == "postgresql"
    fund(ALICE, 1000)

    def spend(i: int) -> None:
        with transaction.atomic():
            accounts = ledger.user_accounts([ALICE, f"{i:064x}", BOB], "DOT")
            ledger.transfer_many(
                [
                    Move(accounts[ALICE], accounts[f"{i:064x}"], 100, "test"),
                    Move(accounts[ALICE], accounts[BOB], 50, "test"),
                ]
            )

    results = run_at_once(*(partial(spend, i) for i in range(12)), catch=(InsufficientFunds,))
    succeeded = sum(not isinstance(r, InsufficientFunds) for r in results)
    assert succeeded == 1000 // 150
    assert selectors.available_balance(ALICE, "DOT") == 1000 - 150 * succeeded
    assert selectors.available_balance(BOB, "DOT") == 50 * succeeded


@pytest.mark.django_db(transaction=True)
def test_two_workers_voiding_the_same_holds_close_each_exactly_once():
    assert connection.vendor == "postgresql"
    fund(ALICE, 1000)
    with transaction.atomic():
        holds = [_hold(ALICE, 100, f"h{i}").id for i in range(5)]

    def void(_: int) -> None:
        with transaction.atomic():
            ledger.void_holds([HoldVoid(pk, "escrow_refund", "r") for pk in holds])

    results = run_at_once(*(partial(void, i) for i in range(4)), catch=(HoldClosed,))
    assert sum(not isinstance(r, HoldClosed) for r in results) == 1
    assert selectors.available_balance(ALICE, "DOT") == 1000
