"""Job pages (htmx). Thin: reads come from selectors, writes are signed actions posted by
wallet.js to the API; each view renders a page or one partial of it."""

from django.http import Http404
from django.shortcuts import render

from marketplace.core import errors
from marketplace.core.selectors import public_config
from marketplace.providers.models import Capability

from . import selectors

# The models the reference provider agent runs (docs/AGENTS.md "Built-in runners").
BUILTIN_MODELS = ["builtin:forecast", "builtin:anomaly", "builtin:summary"]
LIST_SIZE = 20


def _key(request) -> str | None:
    return request.wallet.public_key if request.wallet else None


def _my_jobs(request) -> list:
    key = _key(request)
    return list(selectors.jobs(owner=key)[:LIST_SIZE]) if key else []


def jobs_page(request):
    context = {
        "config": public_config(),
        "capabilities": Capability.choices,
        "models": BUILTIN_MODELS,
        "my_jobs": _my_jobs(request),
        "open_jobs": selectors.open_jobs()[:LIST_SIZE],
    }
    return render(request, "jobs/jobs.html", context)


def my_jobs_fragment(request):
    """ "My jobs" again, after a socket reconnect."""
    return render(request, "jobs/jobs.html#my_jobs", {"my_jobs": _my_jobs(request)})


def _job_view(request, job_id: int) -> dict:
    try:
        job = selectors.job(job_id)
    except errors.NotFound as missing:
        raise Http404(str(missing)) from missing
    return selectors.job_view(job, _key(request))


def detail(request, job_id: int):
    return render(request, "jobs/detail.html", _job_view(request, job_id))


def body_fragment(request, job_id: int):
    """The job's state and bids, after an action on the page or a socket reconnect."""
    return render(request, "jobs/detail.html#body", _job_view(request, job_id))
