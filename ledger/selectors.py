"""Reads of ledger state for the marketplace (which may not import ledger.models)."""

from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from .models import Account, AccountKind, Asset, Hold, HoldStatus, Transfer


@dataclass(frozen=True)
class AssetInfo:
    code: str
    name: str
    decimals: int


@dataclass(frozen=True)
class Balance:
    asset: str
    available: int
    held: int
    staked: int


def assets() -> list[AssetInfo]:
    return [AssetInfo(a.code, a.name, a.decimals) for a in Asset.objects.all()]


# Assets come only by migration and are never deleted, so a code once seen stays known
# for the life of the process (an unknown code is asked again each time).
_known_assets: set[str] = set()


def asset_exists(code: str) -> bool:
    if code not in _known_assets and Asset.objects.filter(code=code).exists():
        _known_assets.add(code)
    return code in _known_assets


def asset_decimals(code: str) -> int:
    return Asset.objects.values_list("decimals", flat=True).get(code=code)


def balances(owner: str) -> list[Balance]:
    """Available, held (open holds the owner paid into) and staked (stake + unbonding)
    per asset, for every asset, zero where the owner has nothing. One query: every
    event that changes a wallet's money sends these."""
    codes = [f"user:{owner}", f"stake:{owner}", f"unbonding:{owner}"]
    accounts = Account.objects.filter(asset=OuterRef("pk"), code__in=codes)
    held = Hold.objects.filter(
        asset=OuterRef("pk"), payer__code=f"user:{owner}", status=HoldStatus.PENDING
    )
    rows = Asset.objects.annotate(
        available=_total(accounts.filter(kind=AccountKind.USER), "balance"),
        staked=_total(accounts.exclude(kind=AccountKind.USER), "balance"),
        held=_total(held, "account__balance"),
    ).values_list("code", "available", "held", "staked")
    return [Balance(code, *(int(v or 0) for v in amounts)) for code, *amounts in rows]


def _total(rows: QuerySet, field: str) -> Subquery:
    """SUM(field) over `rows` of the outer asset, as a scalar subquery (NULL when none)."""
    return Subquery(rows.values("asset").annotate(total=Sum(field)).values("total"))


def available_balance(owner: str, asset: str) -> int:
    value = (
        Account.objects.filter(asset_id=asset, code=f"user:{owner}")
        .values_list("balance", flat=True)
        .first()
    )
    return int(value or 0)


def account_balance(asset: str, code: str) -> int:
    value = (
        Account.objects.filter(asset_id=asset, code=code).values_list("balance", flat=True).first()
    )
    return int(value or 0)


def hold_balance(hold_id: int) -> int:
    return int(Hold.objects.values_list("account__balance", flat=True).get(pk=hold_id))


def hold_status(hold_id: int) -> str:
    return Hold.objects.values_list("status", flat=True).get(pk=hold_id)


def statement(owner: str) -> QuerySet[Transfer]:
    """Transfers into or out of the owner's available balances, newest first."""
    mine = Q(debit_account__code=f"user:{owner}") | Q(credit_account__code=f"user:{owner}")
    return (
        Transfer.objects.filter(mine)
        .select_related("debit_account", "credit_account")
        .order_by("-id")
    )
