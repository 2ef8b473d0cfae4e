"""Reads of the job queue: lists, who may see what, escrow, and what the sweeps find due."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from ledger import selectors as ledger_selectors
from marketplace.core import errors
from marketplace.providers.models import Provider

from .models import OPEN_FOR_PROVIDER, UNDELIVERED, Bid, BidStatus, Job, JobStatus


def jobs(
    *, status: str | None = None, owner: str | None = None, provider: str | None = None
) -> QuerySet[Job]:
    """Jobs, newest first; `owner` and `provider` are public keys."""
    found = Job.objects.select_related("owner", "assigned_provider__wallet").prefetch_related(
        "history", Prefetch("bids", queryset=Bid.objects.select_related("provider__wallet"))
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
    """What the escrow holds now (0 once it is released, refunded or split)."""
    return ledger_selectors.hold_balance(job.escrow_hold_id)


def has_open_jobs(provider: Provider) -> bool:
    return Job.objects.filter(assigned_provider=provider, status__in=OPEN_FOR_PROVIDER).exists()


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
