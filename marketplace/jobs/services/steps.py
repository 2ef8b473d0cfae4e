"""The steps every job service shares: open, lock, check, assign, settle, refund and
record a status. Private to this package (`marketplace.jobs.services`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from ledger.units import money
from marketplace.core import errors, hooks
from marketplace.core.sweeps import Notify
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from marketplace.providers.services import Outcome
from marketplace.realtime.events import capability_group, publish, user_group
from marketplace.wallets.models import Wallet
from marketplace.wallets.services import notify_balance

from ..models import Bid, BidStatus, DataGrant, Job, JobEvent, JobStatus, Resolution


def _open_job(
    wallet: Wallet,
    *,
    asset: str,
    budget: int,
    deadline: datetime,
    idempotency_key: str,
    data_nft_id: int | None = None,
    data_grant: str = DataGrant.SUBSCRIPTION,
    funded_by_hold: int | None = None,
    **terms,
) -> tuple[Job, JobEvent]:
    """Create a registered job with its budget held in escrow (submit_job's rules), in
    the caller's transaction; returns the job and its first history entry. The escrow
    comes from the owner's available balance, or out of the hold `funded_by_hold` for a
    task that another domain funds from its own escrow (what the job does not pay out
    returns to that hold)."""
    now = timezone.now()
    minimum = settings.PM_MIN_BUDGET.get(asset, 1)
    if budget < minimum:
        raise errors.BelowMinimum(
            f"The budget must be at least {money(minimum, asset)}.",
            {"budget": f"Offer at least {money(minimum, asset)}."},
        )
    if deadline < now + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS):
        raise errors.InvalidParams(
            f"The deadline must be at least {settings.PM_MIN_DEADLINE_SECONDS} s away.",
            {"deadline": "That is too soon: set a later deadline."},
        )
    if data_nft_id is not None:
        hooks.check_job_data_access(wallet.public_key, data_nft_id, data_grant)
    job = Job.objects.create(
        owner=wallet,
        data_nft_id=data_nft_id,
        data_grant=data_grant,
        asset=asset,
        budget=budget,
        deadline=deadline,
        bid_window_ends_at=now + timedelta(seconds=settings.PM_BID_WINDOW_SECONDS),
        **terms,
    )
    hold = ledger.create_hold(
        payer=ledger.hold_account(funded_by_hold)
        if funded_by_hold is not None
        else ledger.user_account(wallet.public_key, asset),
        amount=budget,
        kind=TransferKind.ESCROW_HOLD,
        reference=f"job:{job.pk}",
        idempotency_key=idempotency_key,
    )
    job.escrow_hold_id = hold.id
    opened = _record(job, JobStatus.REGISTERED, now, fields=["escrow_hold_id"])
    notify_balance(wallet.public_key)
    return job, opened


def _announce(job: Job) -> None:
    """Tell the providers that can run the job (`job.opened`, after commit)."""
    publish(
        [capability_group(job.compute_type)],
        "job.opened",
        {
            "job_id": job.pk,
            "owner": job.owner.address,
            "compute_type": job.compute_type,
            "asset": job.asset,
            "budget": str(job.budget),
            "deadline": job.deadline.isoformat(),
            "bid_window_ends_at": job.bid_window_ends_at.isoformat(),
            "privacy_required": job.privacy_required,
            "auto_assign": job.auto_assign,
        },
    )


def _assign(
    job: Job, bid: Bid, provider: Provider, now: datetime, notify: Notify, note: str = ""
) -> None:
    ledger.shrink_hold(
        ledger.get_hold(job.escrow_hold_id),
        bid.price,
        kind=TransferKind.ESCROW_RETURN,
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
        ledger.void_hold(hold, kind=TransferKind.ESCROW_REFUND, reference=reference)
        outcome = Outcome.REFUNDED
    else:
        share = job.price if resolution == Resolution.RELEASE else job.price * percent // 100
        fee = ledger.fee_for(share, settings.PM_FEE_BPS)
        ledger.post_hold(
            hold,
            [
                (ledger.user_account(provider_key, job.asset), share - fee, TransferKind.PAYOUT),
                (ledger.fees_account(job.asset), fee, TransferKind.FEE),
            ],
            reference=reference,
            return_kind=TransferKind.ESCROW_RETURN,
        )
        outcome = Outcome.COMPLETED if resolution == Resolution.RELEASE else Outcome.SPLIT
    provider_services.record_outcome(provider.pk, outcome)
    job.resolution = resolution
    job.provider_percent = percent
    _record(job, JobStatus.SETTLED, now, note=note, fields=["resolution", "provider_percent"])
    hooks.run_job_settled(job)
    notify(provider_key)
    notify(job.owner.public_key)


def _refund(job: Job, notify: Notify, *, kind: TransferKind) -> None:
    ledger.void_hold(ledger.get_hold(job.escrow_hold_id), kind=kind, reference=f"job:{job.pk}")
    job.bids.filter(status=BidStatus.OPEN).update(status=BidStatus.REJECTED)
    notify(job.owner.public_key)


def _record(
    job: Job,
    status: str,
    now: datetime,
    *,
    note: str = "",
    fields: list[str] | None = None,
    declined_by: Provider | None = None,
    reason: str = "",
) -> JobEvent:
    """Enter `status`: save it (with `fields`), add it to the history (with the decline
    that caused it, if one did) and tell the owner and the assigned provider (after
    commit). Returns the history entry."""
    job.status = status
    job.save(update_fields=["status", *(fields or [])])
    event = JobEvent.objects.create(
        job=job, status=status, at=now, note=note, declined_by=declined_by, reason=reason
    )
    publish(*_status_event(job, now))
    return event


def _status_event(job: Job, now: datetime) -> tuple[list[str], str, dict]:
    """The `job.status` event of the job's current status: to the owner and the
    assigned provider."""
    return _status_event_of(
        job.pk,
        job.status,
        job.escrow_state,
        job.price,
        now.isoformat(),
        owner=job.owner.public_key,
        provider=job.assigned_provider,
    )


def _status_event_of(
    job_id: int,
    status: str,
    escrow_state: str,
    price: int | None,
    at: str,
    *,
    owner: str,
    provider: Provider | None,
) -> tuple[list[str], str, dict]:
    """`_status_event` from the job's columns: a sweep reads thousands of jobs as
    tuples, not model instances."""
    groups = [user_group(owner)]
    if provider is not None:
        groups.append(user_group(provider.wallet.public_key))
    return (
        groups,
        "job.status",
        {
            "job_id": job_id,
            "status": status,
            "at": at,
            "assigned_provider": provider.wallet.address if provider else None,
            "price": None if price is None else str(price),
            "escrow_state": escrow_state,
        },
    )


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
