"""Live fragment pushed to /ws/live/ when a round of a federated job closes or the job
ends: the job page's progress (rounds, chart, tasks) and model, for its researcher."""

from django.template.loader import render_to_string

from marketplace.core import errors
from marketplace.realtime import live

from . import selectors
from .views import job_context


@live.fragment("federated.status")
def federated_status(wallet, data) -> str:
    if wallet is None:
        return ""
    try:
        federated = selectors.federated_job(data["federated_job_id"], wallet.public_key)
    except (errors.NotFound, errors.Forbidden):
        return ""
    context = {**job_context(federated), "oob": True}
    return "".join(
        render_to_string(f"federated/detail.html#{name}", context) for name in ("progress", "model")
    )
