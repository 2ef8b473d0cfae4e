import pytest
from django.db import transaction

from ledger import selectors
from ledger import services as ledger
from ledger.errors import HoldClosed, InsufficientFunds

pytestmark = pytest.mark.django_db

ALICE = "a1" * 32
BOB = "b0" * 32


@pytest.fixture
def held():
    """Alice has 1,000 and 600 of it is held."""
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 1000, kind="test", reference="t", key="fund")
        return ledger.create_hold(
            payer=ledger.user_account(ALICE, "DOT"), amount=600, kind="escrow", reference="job:1"
        )


def test_a_hold_moves_the_money_out_of_the_available_balance(held):
    assert selectors.available_balance(ALICE, "DOT") == 400
    assert selectors.hold_balance(held.id) == 600
    [dot] = [b for b in selectors.balances(ALICE) if b.asset == "DOT"]
    assert (dot.available, dot.held) == (400, 600)


def test_a_hold_larger_than_the_balance_is_refused():
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 10, kind="test", reference="t", key="fund")
    with pytest.raises(InsufficientFunds), transaction.atomic():
        ledger.create_hold(
            payer=ledger.user_account(ALICE, "DOT"), amount=11, kind="escrow", reference="job:1"
        )
    assert selectors.available_balance(ALICE, "DOT") == 10


def test_shrinking_returns_the_excess_and_keeps_the_hold_open(held):
    with transaction.atomic():
        ledger.shrink_hold(held, 250, kind="escrow_return", reference="job:1")
    assert selectors.hold_balance(held.id) == 250
    assert selectors.available_balance(ALICE, "DOT") == 750
    assert selectors.hold_status(held.id) == "pending"


def test_posting_pays_each_payee_and_returns_the_rest(held):
    with transaction.atomic():
        ledger.post_hold(
            held,
            [
                (ledger.user_account(BOB, "DOT"), 490, "payout"),
                (ledger.fees_account("DOT"), 10, "fee"),
            ],
            reference="job:1",
            return_kind="escrow_return",
        )
    assert selectors.available_balance(BOB, "DOT") == 490
    assert selectors.account_balance("DOT", "fees") == 10
    assert selectors.available_balance(ALICE, "DOT") == 500
    assert selectors.hold_balance(held.id) == 0
    assert selectors.hold_status(held.id) == "posted"


def test_payouts_above_the_hold_are_refused_and_nothing_moves(held):
    with pytest.raises(InsufficientFunds), transaction.atomic():
        ledger.post_hold(
            held,
            [(ledger.user_account(BOB, "DOT"), 601, "payout")],
            reference="job:1",
            return_kind="escrow_return",
        )
    assert selectors.hold_balance(held.id) == 600
    assert selectors.available_balance(BOB, "DOT") == 0


def test_voiding_returns_everything(held):
    with transaction.atomic():
        ledger.void_hold(held, kind="refund", reference="job:1")
    assert selectors.available_balance(ALICE, "DOT") == 1000
    assert selectors.hold_status(held.id) == "voided"


@pytest.mark.parametrize("second", ["post", "void", "shrink"])
def test_a_closed_hold_cannot_move_money_again(held, second):
    with transaction.atomic():
        ledger.void_hold(held, kind="refund", reference="job:1")
    with pytest.raises(HoldClosed), transaction.atomic():
        if second == "post":
            ledger.post_hold(
                held,
                [(ledger.user_account(BOB, "DOT"), 1, "payout")],
                reference="job:1",
                return_kind="escrow_return",
            )
        elif second == "void":
            ledger.void_hold(held, kind="refund", reference="job:1")
        else:
            ledger.shrink_hold(held, 1, kind="escrow_return", reference="job:1")
    assert selectors.available_balance(ALICE, "DOT") == 1000
    assert selectors.available_balance(BOB, "DOT") == 0


def test_a_repeated_hold_key_returns_the_first_hold():
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 1000, kind="test", reference="t", key="fund")
        payer = ledger.user_account(ALICE, "DOT")
        first = ledger.create_hold(
            payer=payer, amount=100, kind="lock", reference="x", idempotency_key="h1"
        )
        again = ledger.create_hold(
            payer=payer, amount=100, kind="lock", reference="x", idempotency_key="h1"
        )
    assert again.id == first.id
    assert selectors.available_balance(ALICE, "DOT") == 900
