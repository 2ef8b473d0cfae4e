"""Live fragment pushed to /ws/live/: the overview's market stats and feeds when a batch
settles (public). htmx ignores it on a page that has no market section."""

from django.template.loader import render_to_string

from marketplace.realtime import live

from .selectors import market_context


@live.fragment("batch.settled")
def market(wallet, data) -> str:
    context = {"wallet": wallet, **market_context(), "oob": True}
    return render_to_string("overview/overview.html#market", context)
