"""Job queue services: every change to jobs and bids, and every movement of a job's
escrow (through `ledger.services`).

Every function locks the job row first (`SELECT … FOR UPDATE`) and checks the status
under that lock, so two requests, or a request and a sweep, never both move the same
escrow: the hold is posted or voided exactly once, in the transaction that changes the
status. When a provider row is locked too, it is locked after the job row (and
`unbond` locks only the provider), so the order never crosses."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ledger import services as ledger
from marketplace.core import errors, hooks
from marketplace.core.events import capability_group, publish, user_group
from marketplace.core.sweeps import Notify, sweep
from marketplace.providers import selectors as provider_selectors
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.providers.services import Outcome
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from . import selectors
from .models import Bid, BidStatus, Job, JobEvent, JobStatus, Resolution


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

    Preconditions: budget ≥ PM_MIN_BUDGET of the asset (else BelowMinimum); deadline at
    least PM_MIN_DEADLINE_SECONDS away (else InvalidParams); with a Data NFT, the owner
    may compute on it (the `job_data_access` hooks raise DataAccessRequired/NotFound);
    the budget is available (else InsufficientFunds)."""
    with transaction.atomic():
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
        publish(
            [capability_group(compute_type)],
            "job.opened",
            {
                "job_id": job.pk,
                "owner": wallet.address,
                "compute_type": compute_type,
                "asset": asset,
                "budget": str(budget),
                "deadline": deadline.isoformat(),
                "bid_window_ends_at": job.bid_window_ends_at.isoformat(),
                "privacy_required": privacy_required,
                "auto_assign": auto_assign,
            },
        )
    return selectors.new_job(job, opened)


def _open_job(
    wallet: Wallet,
    *,
    asset: str,
    budget: int,
    deadline: datetime,
    idempotency_key: str,
    data_nft_id: int | None = None,
    **terms,
) -> tuple[Job, JobEvent]:
    """Create a registered job with its budget held in escrow (submit_job's rules), in
    the caller's transaction; returns the job and its first history entry."""
    now = timezone.now()
    minimum = settings.PM_MIN_BUDGET.get(asset, 1)
    if budget < minimum:
        raise errors.BelowMinimum(
            f"The budget must be at least {minimum} for {asset}.", {"budget": "below minimum"}
        )
    if deadline < now + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS):
        raise errors.InvalidParams(
            f"The deadline must be at least {settings.PM_MIN_DEADLINE_SECONDS} s away.",
            {"deadline": "too soon"},
        )
    if data_nft_id is not None:
        hooks.check_job_data_access(wallet.public_key, data_nft_id)
    job = Job.objects.create(
        owner=wallet,
        data_nft_id=data_nft_id,
        asset=asset,
        budget=budget,
        deadline=deadline,
        bid_window_ends_at=now + timedelta(seconds=settings.PM_BID_WINDOW_SECONDS),
        **terms,
    )
    hold = ledger.create_hold(
        payer=ledger.user_account(wallet.public_key, asset),
        amount=budget,
        kind="escrow_hold",
        reference=f"job:{job.pk}",
        idempotency_key=idempotency_key,
    )
    job.escrow_hold_id = hold.pk
    opened = _record(job, JobStatus.REGISTERED, now, fields=["escrow_hold_id"])
    notify_balance(wallet.public_key)
    return job, opened


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
        provider = provider_selectors.provider_of_key(wallet.public_key)
        if provider is None:
            raise errors.Forbidden("Only registered providers bid.")
        if job.owner_id == wallet.pk:
            raise errors.Forbidden("You cannot bid on your own job.")
        if not provider.active:
            raise errors.Forbidden("Your provider is deactivated.")
        if not provider.offers(job.compute_type):
            raise errors.Forbidden(f"Your provider does not offer {job.compute_type}.")
        _require_status(job, JobStatus.REGISTERED)
        _require_before_deadline(job, now)
        if now >= job.bid_window_ends_at:
            raise errors.WindowClosed("The bid window of this job has closed.")
        if price > job.budget:
            raise errors.InvalidParams("The price is above the budget.", {"price": "above budget"})
        if provider_selectors.stake_of(provider) < settings.PM_MIN_STAKE:
            raise errors.BelowMinimum("Your stake is below the minimum stake.")
        if job.bids.filter(provider=provider, status=BidStatus.OPEN).exists():
            raise errors.Duplicate("You already have an open bid on this job.")
        bid = Bid.objects.create(job=job, provider=provider, price=price, sla_seconds=sla_seconds)
        publish(
            [user_group(job.owner.public_key), user_group(wallet.public_key)],
            "job.bid",
            {"job_id": job.pk, "bid": bid_data(bid)},
        )
    return bid


def assign_provider(wallet: Wallet, *, job_id: int, bid_id: int) -> Job:
    """The owner picks a bid: the escrow shrinks to its price, the rest returns now.

    Preconditions: the wallet owns the job (else Forbidden); the job is registered (else
    InvalidState) and before its deadline (else DeadlinePassed); the bid is an open bid
    on this job (NotFound / InvalidState) by an active provider (else InvalidState)."""
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
        _refund(job, notify_balance, kind="escrow_refund")
        _record(job, JobStatus.CANCELLED, now, note="cancelled by the owner")
    return job


# --- Direct orders: a job placed with one provider, settled by a verified proof ---------


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
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_assigned(job, wallet)
        _require_status(job, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
        _require_before_deadline(job, now)
        job.result_ref = "attested"
        job.result_hash = result_hash
        _record(job, JobStatus.COMPLETED, now, note=note, fields=["result_ref", "result_hash"])
        _settle(job, Resolution.RELEASE, now, notify_balance, note=note)
    return job


# --- Staff -------------------------------------------------------------------------------


def resolve_dispute(
    job_id: int, *, outcome: str, provider_percent: int | None = None, note: str = ""
) -> Job:
    """Staff settle a disputed job: `release` (as if accepted), `refund` (all back to
    the owner) or `split` (`provider_percent` of the price, 1-99, to the provider minus
    the fee on that part; the rest back to the owner). Preconditions: the job is
    disputed (else InvalidState); a split names a percent in 1-99 (else InvalidParams)."""
    if outcome == Resolution.SPLIT and not (provider_percent and 1 <= provider_percent <= 99):
        raise errors.InvalidParams(
            "A split gives the provider 1-99 percent.", {"provider_percent": "1..99"}
        )
    if outcome not in Resolution.values:
        raise errors.InvalidParams(f"Unknown resolution {outcome!r}.", {"outcome": "unknown"})
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_status(job, JobStatus.DISPUTED)
        note = note or f"dispute resolved: {outcome}"
        _settle(job, outcome, now, notify_balance, note=note, percent=provider_percent)
    return job


# --- Sweeps: each job in its own transaction, locked with SKIP LOCKED and re-checked ------


def close_bid_windows() -> int:
    """Auto-assign every auto_assign job whose bid window closed with open bids."""
    return sweep(selectors.closed_bid_windows(), auto_assign, announce=notify_balance)


def release_ended_reviews() -> int:
    """Release every completed job whose review window ended unanswered."""
    return sweep(selectors.ended_reviews(), auto_release, announce=notify_balance)


def expire_overdue() -> int:
    """Expire every job that reached its deadline undelivered: refund and slash."""
    return sweep(selectors.overdue(), expire_job, announce=notify_balance)


def auto_assign(job_id: int, notify: Notify = notify_balance) -> bool:
    """Assign the best open bid by score (see `bid_score`) among active providers; bids
    of deactivated providers are rejected. False if the job is not (or no longer) due."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock_due(selectors.closed_bid_windows(), job_id)
        if job is None:
            return False
        bids = list(job.bids.filter(status=BidStatus.OPEN).select_related("provider"))
        for bid in sorted(bids, key=lambda b: (-bid_score(job, b), b.pk)):
            provider = provider_services.lock_provider(bid.provider_id)
            if provider.active:
                _assign(job, bid, provider, now, notify, note="auto-assigned")
                return True
            bid.status = BidStatus.REJECTED
            bid.save(update_fields=["status"])
    return False


def bid_score(job: Job, bid: Bid) -> int:
    """Auto-assign score, higher wins (ties: the earlier bid): 7,000 points for price
    (the share of the budget the bid saves) + 3,000 for reputation (out of 1,000).
    Integers only, so the choice is exact and the same on every machine."""
    return 7 * (job.budget - bid.price) * 1000 // job.budget + 3 * bid.provider.reputation


def auto_release(job_id: int, notify: Notify = notify_balance) -> bool:
    """Release a completed job whose review window ended; False if not (or no longer)
    due."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock_due(selectors.ended_reviews(), job_id)
        if job is None:
            return False
        _settle(job, Resolution.RELEASE, now, notify, note="auto-released after the review window")
    return True


def expire_job(job_id: int, notify: Notify = notify_balance) -> bool:
    """Expire an undelivered job at its deadline: the owner gets the escrow back, and
    an assigned provider is slashed (to the owner) and loses reputation. False if the
    job is not (or no longer) due."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock_due(selectors.overdue(), job_id)
        if job is None:
            return False
        _refund(job, notify, kind="escrow_expired")
        note = "deadline passed"
        provider = job.assigned_provider
        if provider is not None:
            slashed = provider_services.slash_for_expired_job(
                provider, job_id=job.pk, price=job.price, owner=job.owner.public_key, notify=notify
            )
            provider_services.record_outcome(provider.pk, Outcome.EXPIRED)
            note = f"deadline passed; provider slashed {slashed}"
        _record(job, JobStatus.EXPIRED, now, note=note)
    return True


# --- Shared steps ------------------------------------------------------------------------


def _assign(
    job: Job, bid: Bid, provider: Provider, now: datetime, notify: Notify, note: str = ""
) -> None:
    ledger.shrink_hold(
        ledger.get_hold(job.escrow_hold_id),
        bid.price,
        kind="escrow_return",
        reference=f"job:{job.pk}",
    )
    job.bids.filter(status=BidStatus.OPEN).exclude(pk=bid.pk).update(status=BidStatus.REJECTED)
    bid.status = BidStatus.ACCEPTED
    bid.save(update_fields=["status"])
    job.assigned_provider = provider
    job.price = bid.price
    _record(
        job,
        JobStatus.ASSIGNED,
        now,
        note=note or f"bid {bid.pk} accepted",
        fields=["assigned_provider", "price"],
    )
    notify(job.owner.public_key)


def _settle(
    job: Job,
    resolution: str,
    now: datetime,
    notify: Notify,
    *,
    note: str,
    percent: int | None = None,
) -> None:
    """Pay out the escrow as `resolution` says, update the provider's record, mark the
    job settled and let the `job_settled` hooks see it, all in the caller's transaction."""
    provider = job.assigned_provider
    provider_key = provider.wallet.public_key
    hold = ledger.get_hold(job.escrow_hold_id)
    reference = f"job:{job.pk}"
    if resolution == Resolution.REFUND:
        ledger.void_hold(hold, kind="escrow_refund", reference=reference)
        outcome = Outcome.REFUNDED
    else:
        share = job.price if resolution == Resolution.RELEASE else job.price * percent // 100
        fee = ledger.fee_for(share, settings.PM_FEE_BPS)
        ledger.post_hold(
            hold,
            [
                (ledger.user_account(provider_key, job.asset), share - fee, "payout"),
                (ledger.fees_account(job.asset), fee, "fee"),
            ],
            reference=reference,
            return_kind="escrow_return",
        )
        outcome = Outcome.COMPLETED if resolution == Resolution.RELEASE else Outcome.SPLIT
    provider_services.record_outcome(provider.pk, outcome)
    job.resolution = resolution
    job.provider_percent = percent
    _record(job, JobStatus.SETTLED, now, note=note, fields=["resolution", "provider_percent"])
    hooks.run_job_settled(job)
    notify(provider_key)
    notify(job.owner.public_key)


def _refund(job: Job, notify: Notify, *, kind: str) -> None:
    ledger.void_hold(ledger.get_hold(job.escrow_hold_id), kind=kind, reference=f"job:{job.pk}")
    job.bids.filter(status=BidStatus.OPEN).update(status=BidStatus.REJECTED)
    notify(job.owner.public_key)


def _record(
    job: Job, status: str, now: datetime, *, note: str = "", fields: list[str] | None = None
) -> JobEvent:
    """Enter `status`: save it (with `fields`), add it to the history and tell the owner
    and the assigned provider (after commit). Returns the history entry."""
    job.status = status
    job.save(update_fields=["status", *(fields or [])])
    event = JobEvent.objects.create(job=job, status=status, at=now, note=note)
    groups = [user_group(job.owner.public_key)]
    provider = job.assigned_provider
    if provider is not None:
        groups.append(user_group(provider.wallet.public_key))
    publish(
        groups,
        "job.status",
        {
            "job_id": job.pk,
            "status": status,
            "at": now.isoformat(),
            "assigned_provider": provider.wallet.address if provider else None,
            "price": None if job.price is None else str(job.price),
            "escrow_state": job.escrow_state,
        },
    )
    return event


def bid_data(bid: Bid) -> dict:
    return {
        "id": bid.pk,
        "provider": bid.provider.wallet.address,
        "price": str(bid.price),
        "sla_seconds": bid.sla_seconds,
        "status": bid.status,
    }


def _lock(job_id: int) -> Job:
    job = _locked(Job.objects.filter(pk=job_id))
    if job is None:
        raise errors.NotFound(f"There is no job {job_id}.")
    return job


def _lock_due(due: QuerySet[Job], job_id: int) -> Job | None:
    """The job if it is still due and no other worker holds it (SKIP LOCKED)."""
    return _locked(due.filter(pk=job_id), skip_locked=True)


def _locked(found: QuerySet[Job], *, skip_locked: bool = False) -> Job | None:
    return (
        found.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("owner", "assigned_provider__wallet")
        .first()
    )


def _require_owner(job: Job, wallet: Wallet) -> None:
    if job.owner_id != wallet.pk:
        raise errors.Forbidden("Only the job's owner may do this.")


def _require_assigned(job: Job, wallet: Wallet) -> None:
    provider = job.assigned_provider
    if provider is None or provider.wallet_id != wallet.pk:
        raise errors.Forbidden("Only the job's assigned provider may do this.")


def _require_hand_delivery(job: Job) -> None:
    if job.attested_delivery:
        raise errors.InvalidState("This job is delivered only by its TEE attestation.")


def _require_status(job: Job, *allowed: str) -> None:
    if job.status not in allowed:
        raise errors.InvalidState(f"Job {job.pk} is {job.status}.")


def _require_before_deadline(job: Job, now: datetime) -> None:
    if now >= job.deadline:
        raise errors.DeadlinePassed(f"The deadline of job {job.pk} has passed.")
