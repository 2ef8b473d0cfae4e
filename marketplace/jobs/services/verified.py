"""Jobs whose result a service verifies instead of the owner's review: delivery and
release of a verified result (a TEE attestation, a federated update), and the tasks
another domain opens from its own escrow (a federated job's local training)."""

from datetime import datetime

from django.utils import timezone

from ledger.kinds import TransferKind
from marketplace.core import errors
from marketplace.core.sweeps import Notify
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from ..models import UNDELIVERED, Job, JobStatus, Resolution
from .steps import (
    _announce,
    _lock,
    _open_job,
    _record,
    _refund,
    _require_assigned,
    _require_before_deadline,
    _require_status,
    _settle,
)


def open_task(
    wallet: Wallet,
    *,
    funded_by_hold: int,
    model_ref: str,
    data_ref: str,
    data_nft_id: int,
    data_grant: str,
    compute_type: str,
    asset: str,
    budget: int,
    deadline: datetime,
    idempotency_key: str,
) -> Job:
    """Open an auto-assigned job for `wallet` whose escrow comes out of the hold
    `funded_by_hold` (the calling domain's own escrow, which gets back whatever the job
    does not pay out) and announce it like any job. It is delivered only through
    `deliver_verified` (the calling domain checks the result); bids, auto-assignment by
    score, deadlines and slashing are the job queue's as for any job. Runs in the
    caller's transaction.

    Preconditions: those of `submit_job`, with the data access checked under
    `data_grant`; the hold holds the budget (else InsufficientFunds)."""
    job, _ = _open_job(
        wallet,
        funded_by_hold=funded_by_hold,
        model_ref=model_ref,
        data_ref=data_ref,
        data_nft_id=data_nft_id,
        data_grant=data_grant,
        compute_type=compute_type,
        asset=asset,
        budget=budget,
        deadline=deadline,
        idempotency_key=idempotency_key,
        privacy_required=False,
        auto_assign=True,
        attested_delivery=True,
    )
    _announce(job)
    return job


def deliver_verified(
    wallet: Wallet, *, job_id: int, result_ref: str, result_hash: str, note: str
) -> Job:
    """The assigned provider delivered a result the caller has verified: record its
    hash and mark the job completed, with no review window (the verification stands in
    for the owner's review). The escrow stays held until `release_verified`. Runs in the
    caller's transaction.

    Preconditions: the job exists (else NotFound); the wallet is its assigned provider
    (else Forbidden); it is delivered only this way (else InvalidState), assigned or in
    progress (else InvalidState) and before its deadline (else DeadlinePassed)."""
    now = timezone.now()
    job = lock_verified_delivery(wallet, job_id, now)
    job.result_ref = result_ref
    job.result_hash = result_hash
    _record(job, JobStatus.COMPLETED, now, note=note, fields=["result_ref", "result_hash"])
    return job


def lock_verified_delivery(wallet: Wallet, job_id: int, now: datetime) -> Job:
    """The job, locked, once `deliver_verified`'s preconditions hold for `wallet`."""
    job = _lock(job_id)
    _require_assigned(job, wallet)
    if not job.attested_delivery:
        raise errors.InvalidState(f"Job {job.pk} is delivered by hand.")
    _require_status(job, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
    _require_before_deadline(job, now)
    return job


def release_verified(job_id: int, *, note: str, notify: Notify = notify_balance) -> Job:
    """Pay a verified delivery out: price - fee to the provider, the fee to the
    treasury, as an accepted result. Runs in the caller's transaction. Preconditions:
    the job was delivered through `deliver_verified` and is not yet settled (else
    InvalidState)."""
    job = _lock(job_id)
    if not job.attested_delivery:
        raise errors.InvalidState(f"Job {job.pk} is delivered by hand.")
    _require_status(job, JobStatus.COMPLETED)
    _settle(job, Resolution.RELEASE, timezone.now(), notify, note=note)
    return job


def withdraw_task(job_id: int, *, note: str, notify: Notify = notify_balance) -> Job:
    """Close a task that is no longer needed (what it belonged to failed): its escrow
    returns to its payer and nobody is slashed, as nobody missed anything. Runs in the
    caller's transaction. Preconditions: the job is registered, assigned or in progress
    (else InvalidState)."""
    job = _lock(job_id)
    _require_status(job, *UNDELIVERED)
    _refund(job, notify, kind=TransferKind.ESCROW_REFUND)
    _record(job, JobStatus.CANCELLED, timezone.now(), note=note)
    return job
