"""Provider registry services: every change to providers, their stake and reputation.

Stake is PM_STAKE_ASSET moved between the wallet's available account, its `stake:`
account and its `unbonding:` account, always through `ledger.services`."""

from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from ledger.units import money
from marketplace.core import errors, hooks
from marketplace.core.sweeps import Notify, sweep
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from . import selectors
from .models import REPUTATION_MAX, Provider, Slash, Unbonding


class Outcome(Enum):
    """How a job ended for its provider → (reputation change, counter to count it in).

    The rule (docs/COMPUTE_MARKET.md): +10 for a job settled with full pay (accepted,
    auto-released, or a dispute resolved as release); -30 for a lost dispute (refund,
    or a split that pays the provider less than everything: it still counts as a
    completed job); -50 for a job that expired in the provider's hands. Reputation
    stays within 0-1000."""

    COMPLETED = (10, ("jobs_completed",))
    SPLIT = (-30, ("jobs_completed", "disputes_lost"))
    REFUNDED = (-30, ("disputes_lost",))
    EXPIRED = (-50, ("jobs_expired",))


def register_provider(
    wallet: Wallet,
    *,
    name: str,
    capabilities: list[str],
    regions: list[str],
    pricing: dict[str, int],
    stake: int,
    idempotency_key: str,
) -> Provider:
    """Register the wallet as a compute provider and stake `stake` of PM_STAKE_ASSET.

    Preconditions: not registered yet (else Duplicate); stake ≥ PM_MIN_STAKE (else
    BelowMinimum); the wallet has the stake available (else InsufficientFunds)."""
    if stake < settings.PM_MIN_STAKE:
        minimum = money(settings.PM_MIN_STAKE, settings.PM_STAKE_ASSET)
        raise errors.BelowMinimum(
            f"The stake must be at least {minimum}.", {"stake": f"Stake at least {minimum}."}
        )
    with transaction.atomic():
        if Provider.objects.filter(wallet=wallet).exists():
            raise errors.Duplicate("This wallet is already a provider.")
        provider = Provider.objects.create(
            wallet=wallet,
            name=name,
            capabilities=capabilities,
            regions=regions,
            pricing={cap: str(amount) for cap, amount in pricing.items()},
        )
        _stake(provider, stake, idempotency_key)
    return provider


def add_stake(wallet: Wallet, *, amount: int, idempotency_key: str) -> Provider:
    """Stake `amount` more. Preconditions: the wallet is a provider (else Forbidden) and
    has the amount available (else InsufficientFunds)."""
    with transaction.atomic():
        provider = _lock_provider_of(wallet)
        _stake(provider, amount, idempotency_key)
    return provider


def _stake(provider: Provider, amount: int, idempotency_key: str) -> None:
    owner = provider.wallet.public_key
    asset = settings.PM_STAKE_ASSET
    ledger.transfer(
        debit=ledger.user_account(owner, asset),
        credit=ledger.stake_account(owner, asset),
        amount=amount,
        kind=TransferKind.STAKE,
        reference=f"provider:{provider.pk}",
        idempotency_key=idempotency_key,
    )
    notify_balance(owner)


def unbond(wallet: Wallet, *, amount: int, idempotency_key: str) -> Unbonding:
    """Move `amount` of stake to unbonding; the sweep returns it after PM_UNBOND_SECONDS.

    Preconditions: the wallet is a provider (else Forbidden); the stake holds `amount`
    (else InsufficientFunds); while the provider has open jobs or bids the stake left is at
    least PM_MIN_STAKE (else BelowMinimum). The provider row lock serialises this with
    `assign_provider`, so no job is assigned between the check and the move."""
    with transaction.atomic():
        provider = _lock_provider_of(wallet)
        left = selectors.stake_of(provider) - amount
        if 0 <= left < settings.PM_MIN_STAKE and hooks.is_provider_busy(provider):
            minimum = money(settings.PM_MIN_STAKE, settings.PM_STAKE_ASSET)
            raise errors.BelowMinimum(
                f"While you have open jobs or bids at least {minimum} stays staked.",
                {"amount": f"Leave at least {minimum} staked while you have open jobs or bids."},
            )
        owner = provider.wallet.public_key
        asset = settings.PM_STAKE_ASSET
        unbonding = Unbonding.objects.create(
            provider=provider,
            amount=amount,
            unbond_at=timezone.now() + timedelta(seconds=settings.PM_UNBOND_SECONDS),
        )
        ledger.transfer(
            debit=ledger.stake_account(owner, asset),
            credit=ledger.unbonding_account(owner, asset),
            amount=amount,
            kind=TransferKind.UNBOND,
            reference=f"unbonding:{unbonding.pk}",
            idempotency_key=idempotency_key,
        )
        notify_balance(owner)
    return unbonding


def release_unbonding(unbonding_id: int, notify: Notify = notify_balance) -> bool:
    """Return one matured unbonding to the wallet; False if it is not (or no longer) due
    or another worker holds it. Exactly once: the row lock and `released_at` say whether
    it moved, and the transfer's key `unbond_release:<id>` could not move twice anyway."""
    with transaction.atomic():
        unbonding = (
            selectors.matured_unbondings()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("provider__wallet")
            .filter(pk=unbonding_id)
            .first()
        )
        if unbonding is None:
            return False
        owner = unbonding.provider.wallet.public_key
        asset = settings.PM_STAKE_ASSET
        ledger.transfer(
            debit=ledger.unbonding_account(owner, asset),
            credit=ledger.user_account(owner, asset),
            amount=unbonding.amount,
            kind=TransferKind.UNBOND_RELEASE,
            reference=f"unbonding:{unbonding.pk}",
            idempotency_key=f"unbond_release:{unbonding.pk}",
        )
        unbonding.released_at = timezone.now()
        unbonding.save(update_fields=["released_at"])
        notify(owner)
    return True


def release_matured_unbondings() -> int:
    """The unbonding sweep: release every matured unbonding; returns how many."""
    return sweep(selectors.matured_unbondings(), release_unbonding, announce=notify_balance)


# --- Called by the jobs app inside its transactions ------------------------------------


def record_outcome(provider_id: int, outcome: Outcome) -> None:
    """Apply `outcome` to the provider's reputation (clamped to 0-1000) and counters in
    one UPDATE, so concurrent settlements of different jobs never lose an increment."""
    delta, counters = outcome.value
    Provider.objects.filter(pk=provider_id).update(
        reputation=Least(Greatest(F("reputation") + delta, 0), REPUTATION_MAX),
        **{counter: F(counter) + 1 for counter in counters},
    )


def slash_for_expired_job(
    provider: Provider, *, job_id: int, price: int, owner: str, notify: Notify = notify_balance
) -> int:
    """Take the slashing share for a job that expired in the provider's hands and give it
    to the job's owner: PM_SLASH_BPS of the stake, at most the job's price. Returns the
    amount (0 when the stake is empty). Exactly once per job (`slash:job:<id>`)."""
    return _slash_for_job(
        provider,
        job_id=job_id,
        price=price,
        owner=owner,
        reason=f"job {job_id} expired",
        key=f"slash:job:{job_id}",
        notify=notify,
    )


def slash_for_declined_job(
    provider: Provider, *, job_id: int, price: int, owner: str, notify: Notify = notify_balance
) -> int:
    """The expiry's slash for a job the provider declined after starting it: the owner
    waited for it as for a job that expires. Exactly once per job and provider
    (`slash:job:<id>:declined:<provider id>`): the job may go to another provider."""
    return _slash_for_job(
        provider,
        job_id=job_id,
        price=price,
        owner=owner,
        reason=f"job {job_id} declined after starting",
        key=f"slash:job:{job_id}:declined:{provider.pk}",
        notify=notify,
    )


def _slash_for_job(
    provider: Provider,
    *,
    job_id: int,
    price: int,
    owner: str,
    reason: str,
    key: str,
    notify: Notify,
) -> int:
    provider = lock_provider(provider.pk)  # unbond cannot shrink the stake meanwhile
    amount = min(selectors.stake_of(provider) * settings.PM_SLASH_BPS // 10_000, price)
    if amount <= 0:
        return 0
    slash = Slash.objects.create(
        provider=provider, job_id=job_id, amount=amount, reason=reason, beneficiary=owner
    )
    beneficiary = ledger.user_account(owner, settings.PM_STAKE_ASSET)
    _move_slash(slash, beneficiary, key, notify)
    notify(owner)
    return amount


# --- Staff -----------------------------------------------------------------------------


def slash_provider(provider_id: int, *, amount: int, reason: str) -> Slash:
    """Staff: take `amount` of the provider's stake to the treasury, for `reason`.

    Preconditions: the stake holds `amount` (else InsufficientFunds); a reason is given."""
    if not reason.strip():
        raise errors.InvalidParams(
            "Say why the provider is slashed.", {"reason": "Write the reason."}
        )
    with transaction.atomic():
        provider = lock_provider(provider_id)
        slash = Slash.objects.create(
            provider=provider, amount=amount, reason=reason, beneficiary="treasury"
        )
        _move_slash(
            slash, ledger.fees_account(settings.PM_STAKE_ASSET), f"slash:{slash.pk}", notify_balance
        )
    return slash


def deactivate_provider(provider_id: int, *, reason: str) -> Provider:
    """Staff: the provider may no longer bid or be assigned. Its stake stays where it is
    (it can unbond as usual) and its running jobs continue."""
    with transaction.atomic():
        provider = lock_provider(provider_id)
        provider.active = False
        provider.deactivation_reason = reason
        provider.save(update_fields=["active", "deactivation_reason"])
    return provider


def _move_slash(slash: Slash, beneficiary, key: str, notify: Notify) -> None:
    owner = slash.provider.wallet.public_key
    ledger.transfer(
        debit=ledger.stake_account(owner, settings.PM_STAKE_ASSET),
        credit=beneficiary,
        amount=slash.amount,
        kind=TransferKind.SLASH,
        reference=f"slash:{slash.pk}",
        idempotency_key=key,
    )
    notify(owner)


def lock_provider(provider_id: int) -> Provider:
    """The provider row, locked for the rest of the caller's transaction."""
    try:
        return (
            Provider.objects.select_for_update(of=("self",))
            .select_related("wallet")
            .get(pk=provider_id)
        )
    except Provider.DoesNotExist as exc:
        raise errors.NotFound("No such provider.") from exc


def _lock_provider_of(wallet: Wallet) -> Provider:
    found = (
        Provider.objects.select_for_update(of=("self",))
        .select_related("wallet")
        .filter(wallet=wallet)
        .first()
    )
    if found is None:
        raise errors.Forbidden("Register as a provider first.")
    return found
