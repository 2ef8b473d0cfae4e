"""Federated training pages (htmx). Thin: reads come from selectors, writes are signed
actions posted by wallet.js to the API; each view renders a page or one partial of it."""

from django.http import Http404
from django.shortcuts import render

from ledger import selectors as ledger_selectors
from marketplace.core import errors
from marketplace.core.selectors import public_config
from marketplace.datanft import selectors as data_selectors

from . import aggregation, selectors
from .models import ModelKind

LIST_SIZE = 20


def _key(request) -> str | None:
    return request.wallet.public_key if request.wallet else None


def federated_page(request):
    """My federated jobs and the form to submit one over NFTs offered for training."""
    key = _key(request)
    context = {
        "config": public_config(),
        "models": ModelKind.choices,
        "trainable": data_selectors.trainable_nfts()[:100],
        "my_jobs": list(selectors.federated_jobs(key)[:LIST_SIZE]) if key else [],
    }
    return render(request, "federated/federated.html", context)


def job_context(federated) -> dict:
    """What the job page shows: progress, the loss chart, the model and the payouts."""
    rounds = list(selectors.rounds_of(federated))
    names = [*federated.features, "bias"]
    return {
        "job": federated,
        "rounds": rounds,
        "tasks": selectors.current_tasks(federated),
        "payouts": selectors.payouts(federated),
        "weights": list(zip(names, federated.global_weights, strict=True)),
        "progress": round(100 * federated.round / federated.rounds),
        "loss_chart": {
            "x": [int(r.completed_at.timestamp()) for r in rounds],
            "series": [{"label": "loss", "values": [r.loss for r in rounds]}],
            "y_label": "loss (sample-weighted)",
        },
    }


def _owned(request, federated_job_id: int):
    try:
        return selectors.federated_job(federated_job_id, _key(request))
    except errors.NotFound as missing:
        raise Http404(str(missing)) from missing


def detail(request, federated_job_id: int):
    try:
        federated = _owned(request, federated_job_id)
    except errors.Forbidden:
        return render(request, "federated/forbidden.html", {"job_id": federated_job_id}, status=403)
    return render(request, "federated/detail.html", job_context(federated))


def progress_fragment(request, federated_job_id: int):
    """The rounds again, after a socket reconnect."""
    try:
        federated = _owned(request, federated_job_id)
    except errors.Forbidden as refused:
        raise Http404(str(refused)) from refused
    return render(request, "federated/detail.html#progress", job_context(federated))


def predict_fragment(request, federated_job_id: int):
    """The current global model's output for the features typed in the predict box."""
    try:
        federated = _owned(request, federated_job_id)
    except errors.Forbidden as refused:
        raise Http404(str(refused)) from refused
    try:
        values = [float(request.GET.get(name, "")) for name in federated.features]
    except ValueError:
        context = {"error": "Type a number for every feature."}
    else:
        output = aggregation.predict(federated.model, federated.global_weights, values)
        context = {"job": federated, "output": output}
    return render(request, "federated/detail.html#prediction", context)


def income_fragment(request):
    """A data owner's training income per NFT (shown on "My data")."""
    key = _key(request)
    rows = selectors.training_income(key) if key else []
    decimals = {row["asset"]: ledger_selectors.asset_decimals(row["asset"]) for row in rows}
    return render(request, "federated/_income.html", {"income": rows, "decimals": decimals})
