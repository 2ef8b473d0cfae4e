"""Reads of the provider registry."""

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from ledger import selectors as ledger_selectors
from marketplace.core import errors
from marketplace.core.identity import InvalidAddress, public_key_from_address

from .models import Provider, Unbonding


def providers() -> QuerySet[Provider]:
    return Provider.objects.select_related("wallet").order_by("id")


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
    """What the provider has staked now (its ledger stake account)."""
    return ledger_selectors.account_balance(
        settings.PM_STAKE_ASSET, f"stake:{provider.wallet.public_key}"
    )


def unbonding_of(provider: Provider) -> int:
    """Stake on its way back to the wallet (not yet released by the sweep)."""
    total = provider.unbondings.filter(released_at=None).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def matured_unbondings() -> QuerySet[Unbonding]:
    return Unbonding.objects.filter(released_at=None, unbond_at__lte=timezone.now())
