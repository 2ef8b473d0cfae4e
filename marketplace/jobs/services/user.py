"""What owners and providers do to a job on the open market: post it, bid, decline,
assign, deliver, accept, dispute, cancel. Each is a signed action (jobs/actions.py)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger.kinds import TransferKind
from ledger.units import money
from marketplace.core import errors, hooks
from marketplace.providers import selectors as provider_selectors
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.providers.services import Outcome
from marketplace.realtime import events
from marketplace.realtime.events import publish, user_group
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from .. import selectors
from ..models import Bid, BidStatus, Job, JobEvent, JobStatus, Resolution
from .steps import (
    _announce,
    _assign,
    _lock,
    _open_job,
    _record,
    _refund,
    _require_assigned,
    _require_before_deadline,
    _require_hand_delivery,
    _require_owner,
    _require_status,
    _settle,
    bid_data,
)
from .terms import check_terms


def submit_job(
    wallet: Wallet,
    *,
    model_ref: str,
    data_ref: str,
    compute_type: str,
    asset: str,
    budget: int,
    deadline: datetime,
    privacy_required: bool,
    idempotency_key: str,
    auto_assign: bool = False,
    data_nft_id: int | None = None,
) -> Job:
    """Post a job, hold its budget in escrow and announce it to the providers that can
    run it (`job.opened`).

    Preconditions: the job can run (`terms.check_terms`: a known built-in model, inline
    JSON that parses, an ONNX model the wallet may read with inputs that fit its
    signature; else InvalidParams, checked before any money moves); budget ≥
    PM_MIN_BUDGET of the asset (else BelowMinimum); deadline at least
    PM_MIN_DEADLINE_SECONDS away (else InvalidParams); with a Data NFT, the owner may
    compute on it (the `job_data_access` hooks raise DataAccessRequired/NotFound); the
    budget is available (else InsufficientFunds)."""
    with transaction.atomic(), events.gathered():
        check_terms(wallet, model_ref=model_ref, data_ref=data_ref, data_nft_id=data_nft_id)
        job, opened = _open_job(
            wallet,
            model_ref=model_ref,
            data_ref=data_ref,
            compute_type=compute_type,
            asset=asset,
            budget=budget,
            deadline=deadline,
            privacy_required=privacy_required,
            idempotency_key=idempotency_key,
            auto_assign=auto_assign,
            data_nft_id=data_nft_id,
        )
        _announce(job)
    return selectors.new_job(job, opened)


def submit_bid(wallet: Wallet, *, job_id: int, price: int, sla_seconds: int) -> Bid:
    """Bid `price` for the job.

    Preconditions: the wallet is an active provider offering the job's compute type and
    does not own the job (else Forbidden); the job is registered (else InvalidState),
    before its deadline (else DeadlinePassed) and bid window's end (else WindowClosed);
    price ≤ budget (else InvalidParams); the provider's stake is at least PM_MIN_STAKE
    (else BelowMinimum); it has no other open bid on the job (else Duplicate)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        provider = _provider_of(wallet)
        _require_may_bid(job, provider, wallet)
        _require_status(job, JobStatus.REGISTERED)
        _require_before_deadline(job, now)
        if now >= job.bid_window_ends_at:
            raise errors.WindowClosed("The bid window of this job has closed.")
        if price > job.budget:
            raise errors.InvalidParams(
                "The price is above the budget.",
                {"price": f"Bid at most the budget, {money(job.budget, job.asset)}."},
            )
        if provider_selectors.stake_of(provider) < settings.PM_MIN_STAKE:
            raise errors.BelowMinimum("Your stake is below the minimum stake.")
        if job.bids.filter(provider=provider, status=BidStatus.OPEN).exists():
            raise errors.Duplicate("You already have an open bid on this job.")
        if job.history.filter(declined_by=provider).exists():
            raise errors.InvalidState("You declined this job.")
        bid = Bid.objects.create(job=job, provider=provider, price=price, sla_seconds=sla_seconds)
        publish(
            [user_group(job.owner.public_key), user_group(wallet.public_key)],
            "job.bid",
            {"job_id": job.pk, "bid": bid_data(bid)},
        )
    return bid


def _provider_of(wallet: Wallet) -> Provider:
    provider = provider_selectors.provider_of_key(wallet.public_key)
    if provider is None:
        raise errors.Forbidden("Only registered providers bid on or decline jobs.")
    return provider


def _require_may_bid(job: Job, provider: Provider, wallet: Wallet) -> None:
    if job.owner_id == wallet.pk:
        raise errors.Forbidden("You cannot bid on your own job.")
    if not provider.active:
        raise errors.Forbidden("Your provider is deactivated.")
    if not provider.offers(job.compute_type):
        raise errors.Forbidden(f"Your provider does not offer {job.compute_type}.")


def decline_job(wallet: Wallet, *, job_id: int, reason: str) -> Job:
    """A provider says why it will not bid on the job, or why it cannot finish it; the
    owner sees the reason in the job's history. A provider declines a job once and may
    not bid on it afterwards; its open bid, if any, is withdrawn.

    The assigned provider gives the job back: it returns to `registered` with a new bid
    window, its budget now what the escrow holds (the assigned price), and is announced
    again; a direct order (no bid to go back to) or a job whose deadline is less than
    PM_MIN_DEADLINE_SECONDS away is cancelled and refunded instead. Declined before
    `mark_in_progress`, nothing else happens; after it, the provider is slashed and loses
    reputation as for a job that expired in its hands.

    Preconditions: the wallet is a registered provider (else Forbidden); the job is
    before its deadline (else DeadlinePassed); the provider is the job's assigned one
    and the job is assigned or in progress, or else it could bid on the job (active,
    offers its compute type, not the owner: else Forbidden) and the job is registered
    (else InvalidState); it has not declined this job yet (else Duplicate)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        provider = _provider_of(wallet)
        if job.history.filter(declined_by=provider).exists():
            raise errors.Duplicate("You already declined this job.")
        holder = job.assigned_provider
        if holder is not None and holder.pk == provider.pk:
            _require_status(job, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
            _require_before_deadline(job, now)
            _give_back(job, provider, reason, now)
        else:
            _require_may_bid(job, provider, wallet)
            _require_status(job, JobStatus.REGISTERED)
            _require_before_deadline(job, now)
            job.bids.filter(provider=provider, status=BidStatus.OPEN).update(
                status=BidStatus.WITHDRAWN
            )
            JobEvent.objects.create(
                job=job, status=job.status, at=now, declined_by=provider, reason=reason
            )
        publish(
            [user_group(job.owner.public_key), user_group(wallet.public_key)],
            "job.declined",
            {
                "job_id": job.pk,
                "provider": wallet.address,
                "reason": reason,
                "status": job.status,
            },
        )
    return job


def _give_back(job: Job, provider: Provider, reason: str, now: datetime) -> None:
    """The assigned provider's decline (decline_job): back to bidding, or refunded."""
    started = job.status == JobStatus.IN_PROGRESS
    # The entry names the provider and its reason: the note says what followed.
    note = "after starting" if started else "before starting"
    if started:
        slashed = provider_services.slash_for_declined_job(
            provider, job_id=job.pk, price=job.price, owner=job.owner.public_key
        )
        provider_services.record_outcome(provider.pk, Outcome.EXPIRED)
        note += f"; slashed {money(slashed, settings.PM_STAKE_ASSET)}"
    bids = job.bids.filter(provider=provider, status=BidStatus.ACCEPTED)
    rebid = bids.update(status=BidStatus.WITHDRAWN) > 0  # a direct order had no bid
    held = job.price
    job.assigned_provider = None
    job.price = None
    decline = {"declined_by": provider, "reason": reason}
    if rebid and job.deadline >= now + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS):
        job.budget = held  # the rest of the budget went back to the owner at assignment
        job.bid_window_ends_at = now + timedelta(seconds=settings.PM_BID_WINDOW_SECONDS)
        fields = ["assigned_provider", "price", "budget", "bid_window_ends_at"]
        _record(
            job,
            JobStatus.REGISTERED,
            now,
            note=f"{note}; back to bidding",
            fields=fields,
            **decline,
        )
        _announce(job)
        return
    _refund(job, notify_balance, kind=TransferKind.ESCROW_REFUND)
    _record(
        job,
        JobStatus.CANCELLED,
        now,
        note=f"{note}; refunded, no time left for another provider"
        if rebid
        else f"{note}; refunded",
        fields=["assigned_provider", "price"],
        **decline,
    )
    hooks.run_job_unfinished(job)


def assign_provider(wallet: Wallet, *, job_id: int, bid_id: int) -> Job:
    """The owner picks a bid: the escrow shrinks to its price, the rest returns now.

    Preconditions: the wallet owns the job (else Forbidden); the job is registered (else
    InvalidState) and before its deadline (else DeadlinePassed); the bid is an open bid
    on this job (NotFound / InvalidState) by an active provider (else InvalidState)
    whose stake is still at least PM_MIN_STAKE (else BelowMinimum: slashed or
    unbonded since the bid, it would have nothing to lose by missing the deadline)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_owner(job, wallet)
        _require_status(job, JobStatus.REGISTERED)
        _require_before_deadline(job, now)
        bid = job.bids.filter(pk=bid_id).first()
        if bid is None:
            raise errors.NotFound(f"Job {job_id} has no bid {bid_id}.")
        if bid.status != BidStatus.OPEN:
            raise errors.InvalidState(f"Bid {bid_id} is {bid.status}.")
        provider = provider_services.lock_provider(bid.provider_id)
        if not provider.active:
            raise errors.InvalidState("That provider is deactivated.")
        if provider_selectors.stake_of(provider) < settings.PM_MIN_STAKE:
            raise errors.BelowMinimum("That provider's stake is below the minimum stake.")
        _assign(job, bid, provider, now, notify_balance)
    return job


def mark_in_progress(wallet: Wallet, *, job_id: int) -> Job:
    """The assigned provider starts. Preconditions: the wallet is the assigned provider
    (else Forbidden); the job is assigned (else InvalidState) and before its deadline
    (else DeadlinePassed)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_assigned(job, wallet)
        _require_hand_delivery(job)
        _require_status(job, JobStatus.ASSIGNED)
        _require_before_deadline(job, now)
        _record(job, JobStatus.IN_PROGRESS, now)
    return job


def submit_result(
    wallet: Wallet,
    *,
    job_id: int,
    result_ref: str,
    result_hash: str,
    result_content: object = None,
) -> Job:
    """The assigned provider delivers; the owner's review window opens.

    Preconditions: the wallet is the assigned provider (else Forbidden); the job is in
    progress (else InvalidState) and before its deadline (else DeadlinePassed); the
    content, if any, hashes to `result_hash` (checked by the params serializer)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_assigned(job, wallet)
        _require_hand_delivery(job)
        _require_status(job, JobStatus.IN_PROGRESS)
        _require_before_deadline(job, now)
        job.result_ref = result_ref
        job.result_hash = result_hash
        job.result_content = result_content
        job.review_ends_at = now + timedelta(seconds=settings.PM_REVIEW_WINDOW_SECONDS)
        _record(
            job,
            JobStatus.COMPLETED,
            now,
            fields=["result_ref", "result_hash", "result_content", "review_ends_at"],
        )
    return job


def accept_result(wallet: Wallet, *, job_id: int) -> Job:
    """The owner accepts: the escrow is released (price - fee to the provider, the fee
    to the treasury). Preconditions: the wallet owns the job (else Forbidden); the job
    is completed (else InvalidState). Accepting after the review window, before the
    sweep got to it, releases just the same."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_owner(job, wallet)
        _require_hand_delivery(job)
        _require_status(job, JobStatus.COMPLETED)
        _settle(job, Resolution.RELEASE, now, notify_balance, note="accepted by the owner")
    return job


def dispute_job(wallet: Wallet, *, job_id: int, reason: str) -> Job:
    """The owner disputes the result; the escrow stays held until staff resolve it.
    Preconditions: the wallet owns the job (else Forbidden); the job is completed (else
    InvalidState) and its review window is open (else WindowClosed)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_owner(job, wallet)
        _require_hand_delivery(job)
        _require_status(job, JobStatus.COMPLETED)
        if now >= job.review_ends_at:
            raise errors.WindowClosed("The review window of this job has closed.")
        job.dispute_reason = reason
        _record(job, JobStatus.DISPUTED, now, fields=["dispute_reason"])
    return job


def cancel_job(wallet: Wallet, *, job_id: int) -> Job:
    """The owner cancels: the whole escrow returns to the owner. Preconditions: the
    wallet owns the job (else Forbidden); the job is registered or assigned (else
    InvalidState)."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_owner(job, wallet)
        _require_status(job, JobStatus.REGISTERED, JobStatus.ASSIGNED)
        _refund(job, notify_balance, kind=TransferKind.ESCROW_REFUND)
        _record(job, JobStatus.CANCELLED, now, note="cancelled by the owner")
        hooks.run_job_unfinished(job)
    return job
