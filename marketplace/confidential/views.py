"""The confidential jobs page (htmx). Thin: reads come from selectors; the job is sealed
in the browser (wallet.js `data-seal`) and posted as the signed action to the API."""

from django.shortcuts import render

from marketplace.agents import runners
from marketplace.core.selectors import public_config

from . import selectors


def _my_jobs(request) -> list[dict]:
    if request.wallet is None:
        return []
    return [
        {"job": confidential, "verdict": selectors.verdict(confidential)}
        for confidential in selectors.jobs_of_owner(request.wallet.public_key)
    ]


def confidential(request):
    context = {
        "config": public_config(),
        "workers": selectors.approved_workers(),
        "models": list(runners.RUNNERS),  # what the reference TEE worker runs
        "my_jobs": _my_jobs(request),
    }
    return render(request, "confidential/confidential.html", context)


def my_jobs_fragment(request):
    """ "My confidential jobs" again: after a submission, and every few seconds while the
    page is open (the worker's attestation settles a job without the page acting)."""
    return render(request, "confidential/confidential.html#jobs", {"my_jobs": _my_jobs(request)})
