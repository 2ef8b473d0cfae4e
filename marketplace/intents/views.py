"""Trade pages (htmx). Thin: reads come from selectors, writes are signed actions posted
by wallet.js to the API (the amounts sealed in the browser); each view renders a page or
one partial of it."""

from django.http import Http404
from django.shortcuts import render

from marketplace.core import errors

from . import selectors, services

MY_INTENTS = 20  # the newest a page lists; GET /api/intents/{id} reads any of them
CHART_BATCHES = 100  # the newest traded batches the clearing-price chart draws
VERIFY_IN_PAGE_MAX = 1000  # intents up to which the batch page re-derives on each view


def epoch_context() -> dict:
    """The batch taking intents now (opened if none is) and its countdown."""
    batch = services.open_epoch()
    return {"epoch": batch, **selectors.epoch_progress(batch)}


def price_chart() -> dict:
    """Clearing prices (token_b per whole token_a) of the newest traded batches, one
    series per pair, in the charts.js shape (docs/FRONTEND.md "Charts")."""
    batches = list(selectors.traded_batches()[:CHART_BATCHES])[::-1]
    prices = {
        (batch.pk, pair.token_a, pair.token_b): pair.price_display
        for batch in batches
        for pair in batch.pairs.all()
    }
    # Floats only to draw: every price shown as text is the exact truncated decimal.
    series = [
        {
            "label": f"{token_b} per {token_a}",
            "values": [
                float(price) if (price := prices.get((batch.pk, token_a, token_b))) else None
                for batch in batches
            ],
        }
        for token_a, token_b in sorted({(a, b) for _, a, b in prices})
    ]
    return {
        "x": [int(batch.closed_at.timestamp()) for batch in batches],
        "series": series,
        "y_label": "clearing price",
    }


def history_context(page_number) -> dict:
    return {"page": selectors.history_page(page_number), "chart": price_chart()}


def my_intents(wallet) -> list:
    return list(selectors.intents_of(wallet.public_key)[:MY_INTENTS]) if wallet else []


def trade(request):
    pools = selectors.pools_with_spot_price()
    context = {
        "pools": pools,
        "assets": sorted({p["token_a"] for p in pools} | {p["token_b"] for p in pools}),
        "intents": my_intents(request.wallet),
        "mev_risk": selectors.mev_risk_scores(),
        **epoch_context(),
        **history_context(request.GET.get("page")),
    }
    return render(request, "intents/trade.html", context)


def epoch_fragment(request):
    """The countdown, polled every few seconds by the page."""
    return render(request, "intents/trade.html#epoch", epoch_context())


def my_intents_fragment(request):
    """ "My intents" again, after a submit or a cancel (or a socket reconnect)."""
    return render(request, "intents/trade.html#mine", {"intents": my_intents(request.wallet)})


def history_fragment(request):
    return render(request, "intents/trade.html#history", history_context(request.GET.get("page")))


def batch_detail(request, batch_id: int):
    try:
        batch = selectors.batch(batch_id)
    except errors.NotFound as missing:
        raise Http404(missing.message) from missing
    counts = selectors.intent_counts(batch)
    verifiable = batch.secret_key and sum(counts.values()) <= VERIFY_IN_PAGE_MAX
    context = {
        "batch": batch,
        "counts": counts,
        "mev_saved": selectors.mev_saved(batch.intents.all()),
        "problems": selectors.verify_batch(batch.pk) if verifiable else None,
    }
    return render(request, "intents/batch.html", context)
