import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from ledger import services as ledger
from ledger.invariants import violations
from ledger.models import Account, Hold

pytestmark = pytest.mark.django_db

ALICE = "a1" * 32


@pytest.fixture
def books():
    with transaction.atomic():
        ledger.deposit(ALICE, "DOT", 1000, kind="test", reference="t", key="fund")
        return ledger.create_hold(
            payer=ledger.user_account(ALICE, "DOT"), amount=100, kind="escrow", reference="j"
        )


def test_ledger_check_passes_on_balanced_books(books, capsys):
    call_command("ledger_check")
    assert "ledger OK" in capsys.readouterr().out


def test_ledger_check_reports_money_created_out_of_nothing(books):
    account = Account.objects.get(code=f"user:{ALICE}")
    Account.objects.filter(pk=account.pk).update(balance=account.balance + 1)
    problems = violations()
    assert any("sum to 1" in p for p in problems)
    assert any("its transfers say 900" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("ledger_check")
    Account.objects.filter(pk=account.pk).update(balance=account.balance)  # restore


def test_ledger_check_reports_a_closed_hold_that_still_holds_money(books):
    Hold.objects.filter(pk=books.id).update(status="posted")
    assert any("still holds 100" in p for p in violations())
    Hold.objects.filter(pk=books.id).update(status="pending")


def test_ledger_check_reports_an_external_account_in_credit(books):
    external = Account.objects.get(code="external")
    Account.objects.filter(pk=external.pk).update(balance=5)
    assert any("external" in p for p in violations())
    Account.objects.filter(pk=external.pk).update(balance=external.balance)
