from django.http import JsonResponse
from django.shortcuts import render

from marketplace.datanft import selectors as datanft_selectors
from marketplace.intents import selectors as intents_selectors
from marketplace.jobs import selectors as jobs_selectors
from marketplace.providers import selectors as providers_selectors

from . import health

FEED_JOBS = 8
FEED_BATCHES = 5


def market_context() -> dict:
    """The overview's market section: public stats, the newest jobs, the latest traded
    batches (also pushed live when a batch settles: marketplace/intents/fragments.py)."""
    return {
        "stats": {
            "open_jobs": jobs_selectors.open_jobs().count(),
            "providers": providers_selectors.active_providers_count(),
            "data_nfts": datanft_selectors.nfts_count(),
            **intents_selectors.batch_stats(),
        },
        "jobs": jobs_selectors.jobs()[:FEED_JOBS],
        "batches": intents_selectors.traded_batches()[:FEED_BATCHES],
    }


def overview(request):
    """The landing page; an htmx request (a socket reconnect) gets the market section."""
    template = "core/overview.html#market" if request.htmx else "core/overview.html"
    return render(request, template, market_context())


def healthz(request):
    report = health.report()
    return JsonResponse(report, status=200 if report["db"] == "ok" else 503)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}, status=404
        )
    return render(request, "404.html", status=404)


def server_error(request):
    return JsonResponse(
        {
            "error": {
                "code": "server_error",
                "message": "Something broke on our side.",
                "fields": {},
            }
        },
        status=500,
    )
