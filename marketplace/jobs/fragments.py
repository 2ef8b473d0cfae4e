"""Live fragments pushed to /ws/live/ when a job's status changes or a bid arrives: the
job page's state and bids, and the job's row in "my jobs". htmx ignores whichever the
open page does not have."""

from django.template.loader import render_to_string

from marketplace.core import errors
from marketplace.realtime import live

from . import selectors


def _render(wallet, job_id: int, partials: list[str]) -> str:
    if wallet is None:
        return ""
    try:
        job = selectors.job(job_id)
    except errors.NotFound:
        return ""
    context = {"wallet": wallet, **selectors.job_view(job, wallet.public_key), "oob": True}
    if context["is_owner"]:
        partials = [*partials, "jobs/jobs.html#job_row"]
    return "".join(render_to_string(template, context) for template in partials)


@live.fragment("job.status")
@live.fragment("job.declined")
def job_status(wallet, data) -> str:
    """For the owner and the assigned provider: the status badge, stages, escrow,
    timeline and next actions, and the bids (assignment accepts one, rejects the rest).
    A decline shows the same way: its reason in the timeline, the decliner's bid
    withdrawn."""
    return _render(wallet, data["job_id"], ["jobs/detail.html#state", "jobs/detail.html#bids"])


@live.fragment("job.bid")
def job_bid(wallet, data) -> str:
    """For the owner (and the bidder): the bids table, with the new bid in it."""
    return _render(wallet, data["job_id"], ["jobs/detail.html#bids"])
