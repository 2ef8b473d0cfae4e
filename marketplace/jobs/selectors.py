"""Reads of the job queue: lists, who may see what, escrow, and what the sweeps find due."""

import json
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from ledger import selectors as ledger_selectors
from marketplace.core import errors
from marketplace.providers import selectors as providers_selectors
from marketplace.providers.models import Provider

from . import results
from .models import (
    OPEN_FOR_PROVIDER,
    UNDELIVERED,
    Bid,
    BidStatus,
    Job,
    JobEvent,
    JobStatus,
    Resolution,
)


def jobs(
    *, status: str | None = None, owner: str | None = None, provider: str | None = None
) -> QuerySet[Job]:
    """Jobs, newest first, each with what its escrow holds now (`escrow_now`); `owner`
    and `provider` are public keys."""
    found = (
        Job.objects.select_related("owner", "assigned_provider__wallet")
        .prefetch_related(
            Prefetch("history", queryset=JobEvent.objects.select_related("declined_by__wallet")),
            Prefetch("bids", queryset=Bid.objects.select_related("provider__wallet")),
        )
        .annotate(escrow_now=ledger_selectors.hold_balance_of("escrow_hold_id"))
    )
    if status:
        found = found.filter(status=status)
    if owner:
        found = found.filter(owner__public_key=owner)
    if provider:
        found = found.filter(assigned_provider__wallet__public_key=provider)
    return found.order_by("-id")


def job(job_id: int) -> Job:
    found = jobs().filter(pk=job_id).first()
    if found is None:
        raise errors.NotFound(f"There is no job {job_id}.")
    return found


def delivered(model_ref: str, data_ref_contains: str) -> QuerySet[Job]:
    """Jobs of `model_ref` that delivered a result (completed or settled, not disputed),
    newest first, whose `data_ref` contains the given text."""
    return (
        Job.objects.filter(
            model_ref=model_ref,
            status__in=[JobStatus.COMPLETED, JobStatus.SETTLED],
            data_ref__contains=data_ref_contains,
        )
        .exclude(Q(result_hash="") | Q(resolution=Resolution.REFUND))
        .order_by("-id")
    )


def new_job(job: Job, opened: JobEvent) -> Job:
    """`job`, just opened, as `job()` would read it back: its history is `opened`, it has
    no bids yet. Saves the response of `submit_job` reading the new rows again."""
    job._prefetched_objects_cache = {"history": [opened], "bids": []}
    job.escrow_now = job.budget  # the hold opened with the job holds the whole budget
    return job


def is_party(job: Job, viewer_key: str | None) -> bool:
    """The owner and the assigned provider see bids and the result."""
    if viewer_key is None:
        return False
    provider = job.assigned_provider
    return job.owner.public_key == viewer_key or (
        provider is not None and provider.wallet.public_key == viewer_key
    )


def visible_bids(job: Job, viewer_key: str | None) -> list[Bid]:
    """All bids for the parties; a bidder sees its own; anyone else none."""
    if is_party(job, viewer_key):
        return list(job.bids.all())
    return [bid for bid in job.bids.all() if bid.provider.wallet.public_key == viewer_key]


def escrow_amount(job: Job) -> int:
    """What the escrow holds now (0 once it is released, refunded or split): as read
    with the job by `jobs()`, else read now."""
    held = getattr(job, "escrow_now", None)
    return ledger_selectors.hold_balance(job.escrow_hold_id) if held is None else int(held)


def has_open_jobs(provider: Provider) -> bool:
    """Whether the provider has work its stake answers for: an assigned job not yet
    delivered, or an open bid (which the owner may accept at any moment)."""
    return (
        Job.objects.filter(assigned_provider=provider, status__in=OPEN_FOR_PROVIDER).exists()
        or Bid.objects.filter(
            provider=provider, status=BidStatus.OPEN, job__status=JobStatus.REGISTERED
        ).exists()
    )


# --- What the pages show -----------------------------------------------------------------

# The stages of a job that goes well; a dispute adds its own before settlement.
HAPPY_PATH = [
    JobStatus.REGISTERED,
    JobStatus.ASSIGNED,
    JobStatus.IN_PROGRESS,
    JobStatus.COMPLETED,
    JobStatus.SETTLED,
]
ENDED = [JobStatus.SETTLED, JobStatus.CANCELLED, JobStatus.EXPIRED]


def open_jobs() -> QuerySet[Job]:
    """Jobs still looking for a provider (registered, deadline ahead), newest first."""
    return jobs(status=JobStatus.REGISTERED).filter(deadline__gt=timezone.now())


def biddable_jobs(provider: Provider) -> QuerySet[Job]:
    """Open jobs of the provider's capabilities whose bid window is open, except its own,
    newest first; each with `my_bid`: the price of the provider's open bid, or None."""
    now = timezone.now()
    my_bid = Bid.objects.filter(job=OuterRef("pk"), provider=provider, status=BidStatus.OPEN)
    return (
        Job.objects.filter(
            status=JobStatus.REGISTERED,
            compute_type__in=provider.capabilities,
            bid_window_ends_at__gt=now,
            deadline__gt=now,
        )
        .exclude(owner_id=provider.wallet_id)
        .annotate(my_bid=Subquery(my_bid.values("price")[:1]))
        .order_by("-id")
    )


def stages(job: Job) -> dict:
    """The job's progress: `steps` [{status, label, state: done | current | todo}], and
    `value` of `max` for a <progress>. A cancelled or expired job ends where it stopped."""
    reached = [event.status for event in job.history.all()]
    path = list(HAPPY_PATH)
    if JobStatus.DISPUTED in reached or job.status == JobStatus.DISPUTED:
        path.insert(path.index(JobStatus.SETTLED), JobStatus.DISPUTED)
    if job.status in (JobStatus.CANCELLED, JobStatus.EXPIRED):
        path = [status for status in path if status in reached] + [job.status]
    current = path.index(job.status)

    def state(n: int) -> str:
        if n < current or (n == current and job.status in ENDED):
            return "done"
        return "current" if n == current else "todo"

    steps = [
        {"status": status, "label": JobStatus(status).label, "state": state(n)}
        for n, status in enumerate(path)
    ]
    return {"steps": steps, "value": current + 1, "max": len(path)}


def job_view(job: Job, viewer_key: str | None) -> dict:
    """What the job page shows this viewer: its bids (all for the parties, a bidder its
    own), the escrow, the stages, the providers' declines, whether the bid window closed
    with no bid, and for the parties the delivered result."""
    party = is_party(job, viewer_key)
    provider = job.assigned_provider
    bids = visible_bids(job, viewer_key)
    window_left = (job.bid_window_ends_at - timezone.now()).total_seconds()
    waiting = job.status == JobStatus.REGISTERED and not any(
        bid.status == BidStatus.OPEN for bid in bids
    )
    return {
        "job": job,
        "is_owner": viewer_key is not None and job.owner.public_key == viewer_key,
        "is_provider": provider is not None and provider.wallet.public_key == viewer_key,
        "bids": bids,
        # Registered with no open bid: after the window, "nobody bid yet" and the
        # refund; before it, the page asks for itself again when the window closes.
        "nobody_bid": waiting and window_left <= 0,
        "window_left": int(window_left) + 1 if waiting and window_left > 0 else None,
        "declines": [event for event in job.history.all() if event.declined_by_id],
        "escrow": escrow_amount(job),
        "stages": stages(job),
        # When the job reached its status, and the time its clocks are read against.
        "status_since": max((event.at for event in job.history.all()), default=job.created_at),
        "now": timezone.now(),
        "result": json.dumps(job.result_content, indent=2, sort_keys=True)
        if party and job.result_content is not None
        else None,
        "show_result": party and bool(job.result_hash),
        "outputs": results.outputs(job.result_content) if party else [],
    }


# --- What the sweeps find due ------------------------------------------------------------


def closed_bid_windows() -> QuerySet[Job]:
    """Auto-assign jobs whose bid window has closed with at least one open bid."""
    open_bids = Bid.objects.filter(job=OuterRef("pk"), status=BidStatus.OPEN)
    return Job.objects.filter(
        status=JobStatus.REGISTERED,
        auto_assign=True,
        bid_window_ends_at__lte=timezone.now(),
        deadline__gt=timezone.now(),
    ).filter(Exists(open_bids))


def ended_reviews() -> QuerySet[Job]:
    return Job.objects.filter(status=JobStatus.COMPLETED, review_ends_at__lte=timezone.now())


def overdue() -> QuerySet[Job]:
    return Job.objects.filter(status__in=UNDELIVERED, deadline__lte=timezone.now())


# --- For other apps ------------------------------------------------------------------------


def job_parties(job_id: int) -> Job | None:
    """One job with its owner and assigned provider's wallet, without bids or history:
    what another app reads to decide who may act for the job."""
    return (
        Job.objects.select_related("owner", "assigned_provider__wallet").filter(pk=job_id).first()
    )


ACTIVE = [*UNDELIVERED, JobStatus.COMPLETED, JobStatus.DISPUTED]


def jobs_using(cid: str, *, running: bool = False, provider: str | None = None) -> QuerySet[Job]:
    """Active jobs whose model or input is the artifact `cid` (`running`: assigned or in
    progress only; `provider`: assigned to that public key)."""
    found = Job.objects.filter(Q(model_ref=f"onnx:{cid}") | Q(data_ref=cid))
    found = found.filter(
        status__in=[JobStatus.ASSIGNED, JobStatus.IN_PROGRESS] if running else ACTIVE
    )
    if provider is not None:
        found = found.filter(assigned_provider__wallet__public_key=provider)
    return found


# --- Staff queues ------------------------------------------------------------------------


def with_dispute_clock(found: QuerySet[Job]) -> QuerySet[Job]:
    """`found` with `disputed_at` (when each job last entered `disputed`, else NULL)."""
    entered = JobEvent.objects.filter(job=OuterRef("pk"), status=JobStatus.DISPUTED).order_by("-id")
    return found.annotate(disputed_at=Subquery(entered.values("at")[:1]))


def open_disputes() -> QuerySet[Job]:
    """Disputed jobs, the longest waiting first, each with `disputed_at`."""
    return with_dispute_clock(Job.objects.filter(status=JobStatus.DISPUTED)).order_by(
        "disputed_at", "id"
    )


def expiring_within(seconds: int) -> QuerySet[Job]:
    """Undelivered jobs whose deadline falls in the next `seconds`, soonest first."""
    now = timezone.now()
    return Job.objects.filter(
        status__in=UNDELIVERED, deadline__gt=now, deadline__lte=now + timedelta(seconds=seconds)
    ).order_by("deadline", "id")


def dispute_story(job: Job) -> dict:
    """Everything staff weigh to resolve a dispute: the bids, the assignment, the result
    and its hash, the owner's reason, the timeline, and the provider's record."""
    provider = job.assigned_provider
    history = list(job.history.all())
    assigned = next((e for e in history if e.status == JobStatus.ASSIGNED), None)
    return {
        "bids": list(job.bids.select_related("provider__wallet").order_by("price", "id")),
        "assigned_at": assigned.at if assigned else None,
        "history": history,
        "escrow": escrow_amount(job),
        "result": json.dumps(job.result_content, indent=2, sort_keys=True)[:20_000]
        if job.result_content is not None
        else None,
        "provider": provider,
        "stake": providers_selectors.stake_of(provider) if provider else None,
    }


def bids_of(public_key: str) -> QuerySet[Bid]:
    """A provider wallet's bids, newest first, with their jobs."""
    return (
        Bid.objects.filter(provider__wallet__public_key=public_key)
        .select_related("job")
        .order_by("-id")
    )
