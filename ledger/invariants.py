"""The ledger's global invariants, checked by `manage.py ledger_check` and by the test
suite after every scenario that touches money. Each check returns human-readable
violations; an empty list means the books balance."""

from django.db.models import Q, Sum

from .models import Account, AccountKind, Hold, HoldStatus, Transfer


def sums_are_zero() -> list[str]:
    """Per asset the balances add up to zero: money only moves, it is never created."""
    totals = Account.objects.values("asset_id").annotate(total=Sum("balance"))
    return [
        f"asset {row['asset_id']}: balances sum to {row['total']}, not 0"
        for row in totals
        if int(row["total"]) != 0
    ]


def nothing_negative() -> list[str]:
    """Only the external world may be negative, and it may never be positive (that would
    mean more left the ledger than ever entered)."""
    bad = Account.objects.filter(
        (Q(balance__lt=0) & ~Q(kind=AccountKind.EXTERNAL))
        | (Q(kind=AccountKind.EXTERNAL) & Q(balance__gt=0))
    )
    return [f"account {a.code} [{a.asset_id}] has balance {a.balance}" for a in bad]


def balances_match_transfers() -> list[str]:
    """Every stored balance equals its credits minus its debits."""
    credits = dict(
        Transfer.objects.values("credit_account")
        .annotate(total=Sum("amount"))
        .values_list("credit_account", "total")
    )
    debits = dict(
        Transfer.objects.values("debit_account")
        .annotate(total=Sum("amount"))
        .values_list("debit_account", "total")
    )
    problems = []
    for account in Account.objects.all():
        expected = int(credits.get(account.pk, 0)) - int(debits.get(account.pk, 0))
        if account.balance != expected:
            problems.append(
                f"account {account.code} [{account.asset_id}] holds {account.balance}, "
                f"its transfers say {expected}"
            )
    return problems


def closed_holds_are_empty() -> list[str]:
    bad = Hold.objects.exclude(status=HoldStatus.PENDING).exclude(account__balance=0)
    return [f"hold #{h.pk} is {h.status} but still holds {h.account.balance}" for h in bad]


CHECKS = (sums_are_zero, nothing_negative, balances_match_transfers, closed_holds_are_empty)


def violations() -> list[str]:
    return [problem for check in CHECKS for problem in check()]
