"""Direct orders: a job placed with one provider, settled by a verified proof (the
confidential market's TEE attestations) instead of the owner's review, or refunded when
the provider attests that it could not run the job."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger.kinds import TransferKind
from marketplace.core import errors, hooks
from marketplace.providers import selectors as provider_selectors
from marketplace.providers import services as provider_services
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from ..models import Job, JobStatus, Resolution
from .steps import _open_job, _record, _refund, _settle
from .verified import deliver_verified, lock_verified_delivery


def submit_direct_job(
    wallet: Wallet,
    *,
    provider_key: str,
    idempotency_key: str,
    attested_delivery: bool = False,
    **terms,
) -> Job:
    """Post a job (`submit_job`'s `terms`) and assign it at once to the provider whose
    wallet key is `provider_key`, at the full budget: a direct order, no bidding and no
    announcement. With `attested_delivery` only `settle_attested_job` can deliver it
    (a confidential job: its result is a verified TEE attestation, never a hand-in).

    Preconditions: those of `submit_job`; the provider exists (else NotFound), is not
    the owner (else Forbidden), is active and offers the compute type (else
    InvalidState) and has at least PM_MIN_STAKE staked (else BelowMinimum)."""
    with transaction.atomic():
        provider = provider_selectors.provider_of_key(provider_key)
        if provider is None:
            raise errors.NotFound("That wallet is not a registered compute provider.")
        if provider.wallet_id == wallet.pk:
            raise errors.Forbidden("You cannot order a job from yourself.")
        job, _ = _open_job(
            wallet, idempotency_key=idempotency_key, attested_delivery=attested_delivery, **terms
        )
        # Locked after the new job row, as assign_provider does: unbond cannot take the
        # stake below the minimum between this check and the assignment.
        provider = provider_services.lock_provider(provider.pk)
        if not provider.active or not provider.offers(job.compute_type):
            raise errors.InvalidState(f"That provider does not take {job.compute_type} jobs.")
        if provider_selectors.stake_of(provider) < settings.PM_MIN_STAKE:
            raise errors.BelowMinimum("That provider's stake is below the minimum stake.")
        job.assigned_provider = provider
        job.price = job.budget
        _record(
            job,
            JobStatus.ASSIGNED,
            timezone.now(),
            note="direct order",
            fields=["assigned_provider", "price"],
        )
    return job


def settle_attested_job(wallet: Wallet, *, job_id: int, result_hash: str, note: str) -> Job:
    """The assigned provider delivered with a proof the caller has verified (a TEE
    attestation): record the result hash and release the escrow at once (price - fee to
    the provider, the fee to the treasury); the proof stands in for the owner's review.

    Preconditions: the wallet is the assigned provider (else Forbidden); the job is
    assigned or in progress (else InvalidState) and before its deadline (else
    DeadlinePassed)."""
    with transaction.atomic():
        job = deliver_verified(
            wallet, job_id=job_id, result_ref="attested", result_hash=result_hash, note=note
        )
        _settle(job, Resolution.RELEASE, timezone.now(), notify_balance, note=note)
    return job


def refund_failed_attested_job(wallet: Wallet, *, job_id: int, result_hash: str, note: str) -> Job:
    """The assigned provider attested that it could not run the job (its sealed result
    says why, to the owner only): record the result hash, return the whole escrow to the
    owner and cancel the job. Nothing is paid for a failure; nobody is slashed, as the
    provider answered in time.

    Preconditions: those of `settle_attested_job`."""
    now = timezone.now()
    with transaction.atomic():
        job = lock_verified_delivery(wallet, job_id, now)
        job.result_ref = "attested"
        job.result_hash = result_hash
        _refund(job, notify_balance, kind=TransferKind.ESCROW_REFUND)
        _record(job, JobStatus.CANCELLED, now, note=note, fields=["result_ref", "result_hash"])
        hooks.run_job_unfinished(job)
    return job
