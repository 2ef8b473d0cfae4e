"""The models page (htmx): upload a model (signed in the browser by wallet.js, posted
multipart to the API), see its signature, list my uploads and the public gallery."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from marketplace.core import errors

from . import selectors

LIST_SIZE = 50


def _key(request) -> str | None:
    return request.wallet.public_key if request.wallet else None


def _mine(request) -> list:
    key = _key(request)
    return list(selectors.owned(key)[:LIST_SIZE]) if key else []


def models_page(request):
    context = {
        "mine": _mine(request),
        "gallery": selectors.gallery(_key(request))[:LIST_SIZE],
        "max_bytes": settings.PM_ARTIFACT_MAX_BYTES,
    }
    return render(request, "artifacts/models.html", context)


def mine_fragment(request):
    """ "My uploads" again, after an upload or a delete."""
    return render(request, "artifacts/models.html#mine", {"mine": _mine(request)})


def card_fragment(request, cid: str):
    """One artifact with its signature: what the page shows right after an upload."""
    try:
        artifact = selectors.artifact(cid, _key(request))
    except errors.NotFound as missing:
        raise Http404(str(missing)) from missing
    mine = artifact.owner.public_key == _key(request)
    return render(
        request, "artifacts/_card.html", {"artifact": artifact, "mine": mine, "fresh": True}
    )
