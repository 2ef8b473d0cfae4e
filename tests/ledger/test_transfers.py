import pytest
from django.db import IntegrityError, transaction

from ledger import selectors
from ledger import services as ledger
from ledger.errors import IdempotencyConflict, InsufficientFunds, InvalidAmount
from ledger.models import Account, Transfer

pytestmark = pytest.mark.django_db

ALICE = "a1" * 32
BOB = "b0" * 32


def deposit(owner, amount, asset="DOT", key=None):
    with transaction.atomic():
        return ledger.deposit(owner, asset, amount, kind="test", reference="t", key=key)


def test_it_moves_money_from_the_debit_to_the_credit_account():
    deposit(ALICE, 100)
    with transaction.atomic():
        ledger.transfer(
            debit=ledger.user_account(ALICE, "DOT"),
            credit=ledger.user_account(BOB, "DOT"),
            amount=30,
            kind="test",
        )
    assert selectors.available_balance(ALICE, "DOT") == 70
    assert selectors.available_balance(BOB, "DOT") == 30
    assert selectors.account_balance("DOT", "external") == -100


def test_it_refuses_to_overdraw_and_moves_nothing():
    deposit(ALICE, 100)
    with pytest.raises(InsufficientFunds), transaction.atomic():
        ledger.transfer(
            debit=ledger.user_account(ALICE, "DOT"),
            credit=ledger.user_account(BOB, "DOT"),
            amount=101,
            kind="test",
        )
    assert selectors.available_balance(ALICE, "DOT") == 100
    assert selectors.available_balance(BOB, "DOT") == 0
    assert Transfer.objects.count() == 1


def test_an_amount_above_2_to_the_64_round_trips_exactly():
    huge = 2**64 * 1000 + 12345
    deposit(ALICE, huge)
    assert selectors.available_balance(ALICE, "DOT") == huge
    assert Transfer.objects.get().amount == huge
    assert isinstance(Account.objects.get(code=f"user:{ALICE}").balance, int)


def test_the_largest_u128_amount_round_trips_exactly():
    deposit(ALICE, 2**128 - 1)
    assert selectors.available_balance(ALICE, "DOT") == 2**128 - 1


@pytest.mark.parametrize("amount", [0, -1, 1.5, 10.0, True, "10", None, 10**39])
def test_it_refuses_amounts_that_are_not_positive_integers(amount):
    with pytest.raises(InvalidAmount), transaction.atomic():
        ledger.deposit(ALICE, "DOT", amount, kind="test", reference="t", key="k")
    assert Transfer.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        ledger.deposit(ALICE, "DOT", 1, kind="test", reference="t", key="k")
    assert Transfer.objects.count() == 0


def test_a_repeated_idempotency_key_returns_the_first_transfer():
    first = deposit(ALICE, 50, key="deposit:1")
    again = deposit(ALICE, 50, key="deposit:1")
    assert again.pk == first.pk
    assert selectors.available_balance(ALICE, "DOT") == 50


def test_a_key_reused_for_other_money_is_a_conflict():
    deposit(ALICE, 50, key="deposit:1")
    with pytest.raises(IdempotencyConflict):
        deposit(ALICE, 51, key="deposit:1")
    assert selectors.available_balance(ALICE, "DOT") == 50


def test_the_database_itself_refuses_a_negative_user_balance():
    deposit(ALICE, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(code=f"user:{ALICE}").update(balance=-1)


def test_the_database_refuses_a_transfer_of_zero():
    deposit(ALICE, 5)
    transfer = Transfer.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            asset_id="DOT",
            debit_account=transfer.debit_account,
            credit_account=transfer.credit_account,
            amount=0,
            kind="test",
        )
