"""Reads of ledger state for the marketplace (which may not import ledger.models)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import connection
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate

from . import codes as account_codes
from .assets import PLATFORM_ASSETS
from .fields import AmountField
from .kinds import TransferKind
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
    """Every asset, the platform's own in their listed order (DOT, the native token,
    first: forms offer the first asset by default), any other after them by code."""
    listed = {code: index for index, (code, _, _) in enumerate(PLATFORM_ASSETS)}
    rows = sorted(Asset.objects.all(), key=lambda a: (listed.get(a.code, len(listed)), a.code))
    return [AssetInfo(a.code, a.name, a.decimals) for a in rows]


# Assets come only by migration and are never deleted, so a code once seen stays known
# for the life of the process (an unknown code is asked again each time).
_known_assets: set[str] = set()


def asset_exists(code: str) -> bool:
    if code not in _known_assets and Asset.objects.filter(code=code).exists():
        _known_assets.add(code)
    return code in _known_assets


def asset_decimals(code: str) -> int:
    return Asset.objects.values_list("decimals", flat=True).get(code=code)


# The accounts of an owner that `balances` reads: available, stake, unbonding.
_OWN_PREFIXES = ("user", "stake", "unbonding")
# Row kinds of `balances`' UNION that are no account kind.
_HELD, _ASSET = "=held", "=asset"


def _balances_sql() -> str:
    account, hold, asset = (m._meta.db_table for m in (Account, Hold, Asset))
    own = ", ".join(["%s"] * len(_OWN_PREFIXES))  # IN, not = ANY: SQLite has no arrays
    return (
        f"SELECT asset_id, kind, balance FROM {account} WHERE code IN ({own})"
        f" UNION ALL SELECT h.asset_id, %s, SUM(a.balance) FROM {hold} h"
        f" JOIN {account} p ON p.id = h.payer_id JOIN {account} a ON a.id = h.account_id"
        " WHERE p.code = %s AND h.status = %s GROUP BY h.asset_id"
        f" UNION ALL SELECT code, %s, 0 FROM {asset}"
    )


def balances(owner: str) -> list[Balance]:
    """Available, held (open holds the owner paid into) and staked (stake + unbonding)
    per asset, for every asset, zero where the owner has nothing. One round trip (every
    event that changes a wallet's money sends these): the owner's accounts, the sums of
    its open holds and the asset codes, in one UNION ALL. Written in SQL: the ORM took
    over a millisecond of CPU to compile the union, on every money-moving request."""
    codes = [f"{prefix}:{owner}" for prefix in _OWN_PREFIXES]
    with connection.cursor() as cursor:
        cursor.execute(
            _balances_sql(),
            [*codes, _HELD, account_codes.user(owner), HoldStatus.PENDING, _ASSET],
        )
        rows = cursor.fetchall()
    available: dict[str, int] = {}
    staked: dict[str, int] = {}
    held_by_asset: dict[str, int] = {}
    assets: list[str] = []
    for asset, kind, amount in rows:
        if kind == _ASSET:
            assets.append(asset)
            continue
        bucket = {AccountKind.USER: available, _HELD: held_by_asset}.get(kind, staked)
        bucket[asset] = bucket.get(asset, 0) + int(amount or 0)
    return [
        Balance(a, available.get(a, 0), held_by_asset.get(a, 0), staked.get(a, 0))
        for a in sorted(assets)
    ]


def balances_of(owners: Iterable[str]) -> dict[str, list[Balance]]:
    """`balances` of many owners in three queries whatever their number (a batch's
    settlement tells every trader of it their new balances)."""
    owners = set(owners)
    codes = {f"{prefix}:{owner}": owner for owner in owners for prefix in _OWN_PREFIXES}
    sums: dict[str, dict[str, dict[str, int]]] = {o: {} for o in owners}
    for code, asset, kind, amount in Account.objects.filter(code__in=codes).values_list(
        "code", "asset_id", "kind", "balance"
    ):
        bucket = "available" if kind == AccountKind.USER else "staked"
        by_asset = sums[codes[code]].setdefault(asset, {})
        by_asset[bucket] = by_asset.get(bucket, 0) + int(amount)
    held = (
        Hold.objects.filter(
            payer__code__in=[account_codes.user(o) for o in owners], status=HoldStatus.PENDING
        )
        .values("payer__code", "asset_id")
        .annotate(total=Sum("account__balance"))
        .values_list("payer__code", "asset_id", "total")
    )
    for code, asset, total in held:
        sums[code.removeprefix("user:")].setdefault(asset, {})["held"] = int(total or 0)
    codes_all = sorted(Asset.objects.values_list("code", flat=True))
    return {
        owner: [
            Balance(
                a,
                by_asset.get(a, {}).get("available", 0),
                by_asset.get(a, {}).get("held", 0),
                by_asset.get(a, {}).get("staked", 0),
            )
            for a in codes_all
        ]
        for owner, by_asset in sums.items()
    }


def available_balance(owner: str, asset: str) -> int:
    value = (
        Account.objects.filter(asset_id=asset, code=account_codes.user(owner))
        .values_list("balance", flat=True)
        .first()
    )
    return int(value or 0)


def account_balance(asset: str, code: str) -> int:
    value = (
        Account.objects.filter(asset_id=asset, code=code).values_list("balance", flat=True).first()
    )
    return int(value or 0)


def external_balance(asset: str) -> int:
    """The world's account: minus everything of `asset` that entered and has not left."""
    return account_balance(asset, "external")


def hold_balance(hold_id: int) -> int:
    return int(Hold.objects.values_list("account__balance", flat=True).get(pk=hold_id))


def account_balance_of(asset: str, code: str | Combinable) -> Subquery:
    """The balance of `asset`'s account `code` (an expression over the outer query), as
    an expression to annotate that query with; NULL where the account does not exist."""
    balance = Account.objects.filter(asset_id=asset, code=code).values("balance")[:1]
    return Subquery(balance, output_field=AmountField())


def hold_balance_of(hold_id_field: str) -> Subquery:
    """What the hold whose id is in the outer query's `hold_id_field` holds now, as an
    expression to annotate that query with: a page of jobs reads its escrows in the
    same query instead of one query each."""
    held = Hold.objects.filter(pk=OuterRef(hold_id_field)).values("account__balance")[:1]
    return Subquery(held, output_field=AmountField())


def hold_status(hold_id: int) -> str:
    return Hold.objects.values_list("status", flat=True).get(pk=hold_id)


@dataclass(frozen=True, slots=True)
class Entry:
    """One transfer into or out of an owner's available balance, seen from its side:
    `direction` is "in" when the money came to the owner, "out" when it left."""

    id: int
    asset: str
    amount: int
    direction: str
    kind: str
    reference: str
    created_at: datetime


class Statement:
    """An owner's entries, newest first, read a slice at a time: a Paginator (or the
    API's pagination) counts it and reads one page without loading the others."""

    def __init__(self, owner: str) -> None:
        code = account_codes.user(owner)
        self._rows = (
            Transfer.objects.filter(Q(debit_account__code=code) | Q(credit_account__code=code))
            .annotate(
                direction=Case(
                    When(credit_account__code=code, then=Value("in")), default=Value("out")
                )
            )
            .order_by("-id")
            .values_list("id", "asset_id", "amount", "direction", "kind", "reference", "created_at")
        )

    def count(self) -> int:
        return self._rows.count()

    def __getitem__(self, window: slice) -> list[Entry]:
        return [
            Entry(pk, asset, int(amount), direction, kind, reference, at)
            for pk, asset, amount, direction, kind, reference, at in self._rows[window]
        ]


def statement(owner: str) -> Statement:
    """Transfers into or out of the owner's available balances, newest first."""
    return Statement(owner)


def fees_earned(since: datetime) -> dict[str, int]:
    """What the treasury (the fees accounts) received since `since`, per asset."""
    rows = (
        Transfer.objects.filter(created_at__gte=since, credit_account__kind=AccountKind.FEES)
        .values("asset_id")
        .annotate(total=Sum("amount"))
    )
    return {row["asset_id"]: int(row["total"]) for row in rows}


def received(owner: str, kind: TransferKind) -> dict[str, int]:
    """What transfers of `kind` brought the owner's available balances, per asset."""
    rows = _received(owner, kind).values("asset_id").annotate(total=Sum("amount"))
    return {row["asset_id"]: int(row["total"]) for row in rows.order_by("asset_id")}


def received_per_day(owner: str, kind: TransferKind, days: int) -> dict[str, list[int]]:
    """`received` on each of the last `days` days (UTC), per asset received in that time."""
    return _per_day(_received(owner, kind), days)


def _received(owner: str, kind: TransferKind) -> QuerySet[Transfer]:
    return Transfer.objects.filter(credit_account__code=account_codes.user(owner), kind=kind)


def daily_volume(kinds: list[TransferKind], days: int) -> dict[str, list[int]]:
    """Per asset, the amount moved by transfers of `kinds` on each of the last `days`
    days (UTC), oldest first; today is the last."""
    return _per_day(Transfer.objects.filter(kind__in=kinds), days)


def _per_day(transfers: QuerySet[Transfer], days: int) -> dict[str, list[int]]:
    """The amount of `transfers` per asset on each of the last `days` days (UTC), oldest
    first and today last, for the assets moved in that time, by asset code."""
    today = datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    rows = (
        transfers.filter(created_at__gte=datetime.combine(first, time.min, tzinfo=UTC))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("asset_id", "day")
        .annotate(total=Sum("amount"))
    )
    series: dict[str, list[int]] = {}
    for row in rows:
        series.setdefault(row["asset_id"], [0] * days)[(row["day"] - first).days] += int(
            row["total"]
        )
    return dict(sorted(series.items()))
