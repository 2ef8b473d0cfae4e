"""Live fragments pushed to /ws/live/: a trader's intents when one changes status, and
the trade page when a batch settles (public; the overview adds its own section)."""

from django.template.loader import render_to_string

from marketplace.realtime import live

from . import selectors, views


@live.fragment("intent.status")
def my_intents(wallet, data) -> str:
    """The trade page's "My intents" table, with the intent's new status."""
    if wallet is None:
        return ""
    context = {"wallet": wallet, "intents": views.my_intents(wallet), "oob": True}
    return render_to_string("intents/trade.html#mine", context)


@live.fragment("batch.settled")
def batch_settled(wallet, data) -> str:
    """On the trade page: the next epoch's countdown, the pools' new reserves and the
    batch history (first page, chart included). htmx ignores them on other pages."""
    trade = {
        "wallet": wallet,
        "pools": selectors.pools_with_spot_price(),
        **views.epoch_context(),
        **views.history_context(1),
        "oob": True,
    }
    return "".join(
        render_to_string(f"intents/trade.html#{name}", trade)
        for name in ("epoch", "pools", "history")
    )
