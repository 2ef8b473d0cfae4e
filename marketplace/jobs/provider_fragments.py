"""Live fragments pushed to /ws/live/ for the provider page: new jobs to bid on, my bid
placed, and my assignments, reputation and earnings as my jobs move on."""

from django.template.loader import render_to_string

from marketplace.providers import selectors
from marketplace.realtime import live

from . import selectors as job_selectors
from .provider_page import assignments_context, summary_context


def _provider(wallet):
    return selectors.provider_of_key(wallet.public_key) if wallet is not None else None


def _open_job(provider, job_id: int):
    """The job as the provider's open-jobs list shows it, or None once it takes no bid
    from this provider."""
    return job_selectors.biddable_jobs(provider).filter(pk=job_id).first()


@live.fragment("job.opened")
def job_opened(wallet, data) -> str:
    """A new job of my capabilities: its row at the top of "Open jobs for you"."""
    provider = _provider(wallet)
    job = _open_job(provider, data["job_id"]) if provider is not None else None
    if job is None or not provider.active:
        return ""
    context = {"wallet": wallet, "provider": provider, "job": job}
    return render_to_string("providers/provide.html#open_job_pushed", context)


@live.fragment("job.bid")
def bid_placed(wallet, data) -> str:
    """My bid went in: the job's row shows it instead of the bid form."""
    provider = _provider(wallet)
    job = _open_job(provider, data["job_id"]) if provider is not None else None
    if job is None or data["bid"]["provider"] != provider.wallet.address:
        return ""
    context = {"wallet": wallet, "provider": provider, "job": job, "oob": True}
    return render_to_string("providers/provide.html#open_job_row", context)


@live.fragment("job.status")
def assignment_moved(wallet, data) -> str:
    """A job assigned to me moved: my assignments, and my stake, reputation, counters and
    earnings (settlement pays and rates me); the job leaves my open-jobs list."""
    provider = _provider(wallet)
    if provider is None or data.get("assigned_provider") != provider.wallet.address:
        return ""
    context = {
        "wallet": wallet,
        **summary_context(provider),
        **assignments_context(provider),
        "oob": True,
    }
    return (
        f'<tr id="pm-open-job-{int(data["job_id"])}" hx-swap-oob="delete"></tr>'
        + render_to_string("providers/provide.html#summary", context)
        + render_to_string("providers/provide.html#assignments", context)
    )
