"""What staff do to jobs (from the admin): settle a dispute."""

from django.db import transaction
from django.utils import timezone

from marketplace.core import errors
from marketplace.wallets.services import notify_balance

from ..models import Job, JobStatus, Resolution
from .steps import _lock, _require_status, _settle


def resolve_dispute(
    job_id: int, *, outcome: str, provider_percent: int | None = None, note: str = ""
) -> Job:
    """Staff settle a disputed job: `release` (as if accepted), `refund` (all back to
    the owner) or `split` (`provider_percent` of the price, 1-99, to the provider minus
    the fee on that part; the rest back to the owner). The note is kept with the
    resolution and shown to both parties (the job page, the API's history).
    Preconditions: the job is disputed (else InvalidState); a split names a percent in
    1-99 (else InvalidParams)."""
    if outcome == Resolution.SPLIT and not (provider_percent and 1 <= provider_percent <= 99):
        raise errors.InvalidParams(
            "A split gives the provider 1-99 percent.",
            {"provider_percent": "Give the provider 1 to 99 percent."},
        )
    if outcome not in Resolution.values:
        raise errors.InvalidParams(
            f"Unknown resolution {outcome!r}.", {"outcome": "Choose one of the outcomes offered."}
        )
    now = timezone.now()
    with transaction.atomic():
        job = _lock(job_id)
        _require_status(job, JobStatus.DISPUTED)
        job.resolution_note = note
        job.save(update_fields=["resolution_note"])
        share = f" {provider_percent}% to the provider" if outcome == Resolution.SPLIT else ""
        summary = f"dispute resolved: {outcome}{share}"
        history = f"{summary} — {note}" if note else summary
        _settle(job, outcome, now, notify_balance, note=history[:200], percent=provider_percent)
    return job
