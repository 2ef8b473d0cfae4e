"""Reads of the provider registry."""

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from ledger import codes as ledger_codes
from ledger import selectors as ledger_selectors
from ledger.fields import AmountField
from ledger.kinds import TransferKind
from marketplace.core import errors, series
from marketplace.core.identity import InvalidAddress, public_key_from_address

from .models import Provider, Unbonding


def providers() -> QuerySet[Provider]:
    """Providers, each with its stake and unbonding stake read in the same query
    (`stake_now`, `unbonding_now`) rather than two queries per provider."""
    stake_code = ledger_codes.stake_of(OuterRef("wallet__public_key"))
    unbonding = (
        Unbonding.objects.filter(provider=OuterRef("pk"), released_at=None)
        .values("provider")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Provider.objects.select_related("wallet")
        .annotate(
            stake_now=ledger_selectors.account_balance_of(settings.PM_STAKE_ASSET, stake_code),
            unbonding_now=Subquery(unbonding, output_field=AmountField()),
        )
        .order_by("id")
    )


def provider_of_key(public_key: str) -> Provider | None:
    return Provider.objects.select_related("wallet").filter(wallet__public_key=public_key).first()


def provider_by_address(address: str) -> Provider:
    try:
        public_key = public_key_from_address(address)
    except InvalidAddress as exc:
        raise errors.NotFound("No provider has this address.") from exc
    provider = provider_of_key(public_key)
    if provider is None:
        raise errors.NotFound("No provider has this address.")
    return provider


def stake_of(provider: Provider) -> int:
    """What the provider has staked now (its ledger stake account): as read with the
    provider by `providers()`, else read now."""
    if hasattr(provider, "stake_now"):
        return int(provider.stake_now or 0)
    return ledger_selectors.account_balance(
        settings.PM_STAKE_ASSET, ledger_codes.stake(provider.wallet.public_key)
    )


def unbonding_of(provider: Provider) -> int:
    """Stake on its way back to the wallet (not yet released by the sweep)."""
    if hasattr(provider, "unbonding_now"):
        return int(provider.unbonding_now or 0)
    total = provider.unbondings.filter(released_at=None).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def pending_unbondings(provider: Provider) -> QuerySet[Unbonding]:
    """Stake still unbonding, the soonest back first."""
    return provider.unbondings.filter(released_at=None).order_by("unbond_at", "id")


def total_payouts(public_key: str) -> dict[str, int]:
    """Everything the wallet has been paid for jobs, per asset: its "payout" transfers
    (price - fee, or a split's share)."""
    return ledger_selectors.received(public_key, TransferKind.PAYOUT)


def daily_payouts(public_key: str, days: int) -> dict:
    """Job payouts per UTC day over the last `days` days (today included): `days`, and
    `assets` {asset: [amount per day]} for each asset paid in that time."""
    paid = ledger_selectors.received_per_day(public_key, TransferKind.PAYOUT, days)
    return {"days": series.last_days(days), "assets": paid}


def matured_unbondings() -> QuerySet[Unbonding]:
    return Unbonding.objects.filter(released_at=None, unbond_at__lte=timezone.now())


def active_providers_count() -> int:
    return Provider.objects.filter(active=True).count()
