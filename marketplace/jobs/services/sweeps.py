"""The sweeps: each due job in its own transaction, locked with SKIP LOCKED and
re-checked (core/sweeps.py runs the loop; jobs/tasks.py schedules them), except the
deadline sweep's unassigned jobs, which expire a chunk per transaction."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core import hooks
from marketplace.core.bulk import among, insert_rows
from marketplace.core.sweeps import Notify, sweep
from marketplace.providers import selectors as provider_selectors
from marketplace.providers import services as provider_services
from marketplace.providers.services import Outcome
from marketplace.realtime.events import publish_many
from marketplace.wallets.services import notify_balance, notify_balances

from .. import selectors
from ..models import Bid, BidStatus, Job, JobEvent, JobStatus, Resolution
from .steps import _assign, _lock_due, _record, _refund, _settle, _status_event_of

log = logging.getLogger(__name__)

# Overdue jobs expired per transaction by the set-based path.
EXPIRY_CHUNK = 1000


def close_bid_windows() -> int:
    """Auto-assign every auto_assign job whose bid window closed with open bids."""
    return sweep(selectors.closed_bid_windows(), auto_assign, announce=notify_balance)


def release_ended_reviews() -> int:
    """Release every completed job whose review window ended unanswered."""
    return sweep(selectors.ended_reviews(), auto_release, announce=notify_balance)


def expire_overdue() -> int:
    """Expire every job that reached its deadline undelivered: refund and slash.

    Open-market jobs nobody was assigned to (nearly all of them when thousands fall
    due at once) expire a chunk at a time on the ledger's set-based paths, a few statements per
    chunk. A job in a provider's hands (it is slashed), one another worker holds, or
    every job of a chunk that failed, then goes through `expire_job` one at a time."""
    done = 0
    last_id = 0
    while True:
        ids = list(
            selectors.overdue()
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:EXPIRY_CHUNK]
        )
        if not ids:
            return done
        # A chunk is a range of ids: a job that fell due inside it meanwhile is due too,
        # and a range costs the queries below nothing per job, where a list of ids does.
        chunk = (ids[0], ids[-1])
        last_id = ids[-1]
        try:
            expired = _expire_unassigned(chunk)
        except Exception:  # the chunk rolled back whole: its jobs go one at a time below
            log.exception("set-based expiry of jobs %s..%s failed", *chunk)
            expired = {}
        notify_balances(set(expired.values()))
        done += len(expired)
        done += sweep(
            selectors.overdue().filter(pk__range=chunk), expire_job, announce=notify_balance
        )


def _expire_unassigned(chunk: tuple[int, int]) -> dict[int, str]:
    """Expire the unassigned jobs with ids in `chunk` still due and not held by another worker
    (SKIP LOCKED), in one transaction: their holds voided back to the owners, their
    open bids rejected, their status, history and `job.status` events written as
    sets. Returns the owner's public key of each job expired, by job id.

    Only open-market jobs: one delivered through another service (a confidential job,
    a federated task) expires through `expire_job`, whose `job_unfinished` hook lets
    that service react; an open-market job is nobody else's concern. The jobs are read
    as tuples of the few columns needed: a model instance each costs more than the
    rest of its expiry."""
    now = timezone.now()
    with transaction.atomic():
        jobs = list(
            selectors.overdue()
            .filter(pk__range=chunk, assigned_provider=None, attested_delivery=False)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("pk")
            .values_list("pk", "escrow_hold_id", "owner__public_key", "price")
        )
        if not jobs:
            return {}
        ledger.void_holds(
            [
                ledger.HoldVoid(hold_id, TransferKind.ESCROW_EXPIRED, f"job:{pk}")
                for pk, hold_id, _, _ in jobs
            ]
        )
        ids = [pk for pk, _, _, _ in jobs]
        Bid.objects.filter(among(Bid, "job", ids), status=BidStatus.OPEN).update(
            status=BidStatus.REJECTED
        )
        Job.objects.filter(among(Job, "id", ids)).update(status=JobStatus.EXPIRED)
        insert_rows(
            JobEvent,
            ("job", "status", "at", "note"),
            [(pk, JobStatus.EXPIRED, now, "deadline passed") for pk in ids],
        )
        at = now.isoformat()
        refunded = Job(status=JobStatus.EXPIRED).escrow_state
        publish_many(
            _status_event_of(pk, JobStatus.EXPIRED, refunded, price, at, owner=owner, provider=None)
            for pk, _, owner, price in jobs
        )
    return {pk: owner for pk, _, owner, _ in jobs}


def auto_assign(job_id: int, notify: Notify = notify_balance) -> bool:
    """Assign the best open bid by score (see `bid_score`) among active providers with
    at least PM_MIN_STAKE staked; the other bids are rejected. False if the job is not
    (or no longer) due."""
    now = timezone.now()
    with transaction.atomic():
        job = _lock_due(selectors.closed_bid_windows(), job_id)
        if job is None:
            return False
        bids = list(job.bids.filter(status=BidStatus.OPEN).select_related("provider"))
        for bid in sorted(bids, key=lambda b: (-bid_score(job, b), b.pk)):
            provider = provider_services.lock_provider(bid.provider_id)
            if provider.active and provider_selectors.stake_of(provider) >= settings.PM_MIN_STAKE:
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
        _refund(job, notify, kind=TransferKind.ESCROW_EXPIRED)
        note = "deadline passed"
        provider = job.assigned_provider
        if provider is not None:
            slashed = provider_services.slash_for_expired_job(
                provider, job_id=job.pk, price=job.price, owner=job.owner.public_key, notify=notify
            )
            provider_services.record_outcome(provider.pk, Outcome.EXPIRED)
            note = f"deadline passed; provider slashed {slashed}"
        _record(job, JobStatus.EXPIRED, now, note=note)
        hooks.run_job_unfinished(job)
    return True
