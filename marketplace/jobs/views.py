"""Job pages (htmx). Thin: reads come from selectors, writes are signed actions posted by
wallet.js to the API; each view renders a page or one partial of it."""

import json

from django.http import Http404
from django.shortcuts import render

from marketplace.artifacts import selectors as artifacts
from marketplace.artifacts.models import Artifact, MediaType
from marketplace.core import errors
from marketplace.core.selectors import public_config
from marketplace.providers.models import Capability

from . import selectors

# The models the reference provider agent runs (docs/AGENTS.md "Built-in runners").
BUILTIN_MODELS = ["builtin:forecast", "builtin:anomaly", "builtin:summary"]
LIST_SIZE = 20
ONNX_PREFIX = "onnx:"


def _key(request) -> str | None:
    return request.wallet.public_key if request.wallet else None


def _my_jobs(request) -> list:
    key = _key(request)
    return list(selectors.jobs(owner=key)[:LIST_SIZE]) if key else []


def _onnx_model(model_ref: str, viewer_key: str | None) -> Artifact | None:
    """The ONNX model `model_ref` names, if this viewer may run it."""
    if not model_ref.startswith(ONNX_PREFIX):
        return None
    found = artifacts.readable(model_ref.removeprefix(ONNX_PREFIX), viewer_key)
    return found if found is not None and found.signature else None


def _inputs(model: Artifact | None) -> dict:
    """The inputs part of the job form: for an ONNX model one field per input of its
    signature, filled with its example when it has one; else the free data reference."""
    if model is None:
        return {"model": None}
    example = (model.example or {}).get("inputs", {})
    fields = []
    for spec in model.signature["inputs"]:
        symbols = [dim for dim in spec["shape"] if isinstance(dim, str)]
        value = example.get(spec["name"])
        fields.append(
            {
                **spec,
                "symbols": symbols,
                "example": "" if value is None else json.dumps(value),
            }
        )
    document = {"inputs": example} if example else {"inputs": {f["name"]: [] for f in fields}}
    return {"model": model, "fields": fields, "document": json.dumps(document, indent=1)}


def jobs_page(request):
    key = _key(request)
    mine = list(artifacts.owned(key, media_type=MediaType.ONNX)[:LIST_SIZE]) if key else []
    gallery = list(artifacts.gallery(key)[:LIST_SIZE])
    # A model chosen on the models page, else the first of the gallery.
    chosen = request.GET.get("model") or (f"{ONNX_PREFIX}{gallery[0].cid}" if gallery else "")
    context = {
        "config": public_config(),
        "capabilities": Capability.choices,
        "models": BUILTIN_MODELS,
        "my_models": mine,
        "gallery": gallery,
        "chosen_model": chosen,
        "my_jobs": _my_jobs(request),
        "open_jobs": selectors.open_jobs()[:LIST_SIZE],
        **_inputs(_onnx_model(chosen, key)),
    }
    return render(request, "jobs/jobs.html", context)


def inputs_fragment(request):
    """The job form's inputs for the model just picked."""
    model = _onnx_model(request.GET.get("model_ref", ""), _key(request))
    return render(request, "jobs/_inputs.html", _inputs(model))


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
    context = _job_view(request, job_id)
    context["model"] = _onnx_model(context["job"].model_ref, _key(request))
    return render(request, "jobs/detail.html", context)


def body_fragment(request, job_id: int):
    """The job's state and bids, after an action on the page or a socket reconnect."""
    return render(request, "jobs/detail.html#body", _job_view(request, job_id))
