"""Job queue services: every change to jobs and bids, and every movement of a job's
escrow (through `ledger.services`). By who acts: `user` (owners and providers on the
open market), `direct` (direct orders settled by a proof), `verified` (results a
service verifies, and tasks other domains open from their own escrow), `staff`,
`sweeps`; `steps` holds what they share. Callers import the package: `services.submit_job(...)`.

Every function locks the job row first (`SELECT … FOR UPDATE`) and checks the status
under that lock, so two requests, or a request and a sweep, never both move the same
escrow: the hold is posted or voided exactly once, in the transaction that changes the
status. When a provider row is locked too, it is locked after the job row (and
`unbond` locks only the provider), so the order never crosses."""

from .direct import refund_failed_attested_job, settle_attested_job, submit_direct_job
from .staff import resolve_dispute
from .steps import bid_data
from .sweeps import (
    auto_assign,
    auto_release,
    bid_score,
    close_bid_windows,
    expire_job,
    expire_overdue,
    release_ended_reviews,
)
from .user import (
    accept_result,
    assign_provider,
    cancel_job,
    decline_job,
    dispute_job,
    mark_in_progress,
    submit_bid,
    submit_job,
    submit_result,
)
from .verified import deliver_verified, open_task, release_verified, withdraw_task

__all__ = [
    "accept_result",
    "assign_provider",
    "auto_assign",
    "auto_release",
    "bid_data",
    "bid_score",
    "cancel_job",
    "close_bid_windows",
    "decline_job",
    "deliver_verified",
    "dispute_job",
    "expire_job",
    "expire_overdue",
    "mark_in_progress",
    "open_task",
    "refund_failed_attested_job",
    "release_ended_reviews",
    "release_verified",
    "resolve_dispute",
    "settle_attested_job",
    "submit_bid",
    "submit_direct_job",
    "submit_job",
    "submit_result",
    "withdraw_task",
]
