"""Reads of ledger state for the marketplace (which may not import ledger.models)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

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


def asset_exists(code: str) -> bool:
    return Asset.objects.filter(code=code).exists()


def asset_decimals(code: str) -> int:
    return Asset.objects.values_list("decimals", flat=True).get(code=code)


def balances(owner: str) -> list[Balance]:
    """Available, held (open holds the owner paid into) and staked (stake + unbonding)
    per asset, for every asset, zero where the owner has nothing."""
    available: dict[str, int] = {}
    staked: dict[str, int] = {}
    codes = [f"user:{owner}", f"stake:{owner}", f"unbonding:{owner}"]
    for asset, kind, balance in Account.objects.filter(code__in=codes).values_list(
        "asset_id", "kind", "balance"
    ):
        bucket = available if kind == AccountKind.USER else staked
        bucket[asset] = bucket.get(asset, 0) + int(balance)
    held = dict(
        Hold.objects.filter(payer__code=f"user:{owner}", status=HoldStatus.PENDING)
        .values("asset_id")
        .annotate(total=Sum("account__balance"))
        .values_list("asset_id", "total")
    )
    return [
        Balance(a.code, available.get(a.code, 0), int(held.get(a.code) or 0), staked.get(a.code, 0))
        for a in Asset.objects.all()
    ]


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
