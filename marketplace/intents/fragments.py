"""Live fragments pushed to /ws/live/: a trader's intents when one changes status, and
the trade page and the overview when a batch settles (public)."""

from django.template.loader import render_to_string

from marketplace.core import live
from marketplace.core.selectors import market_context

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
    batch history (first page, chart included); on the overview: the market stats and
    feeds. htmx ignores whichever the open page does not have."""
    trade = {
        "wallet": wallet,
        "pools": selectors.pools_with_spot_price(),
        **views.epoch_context(),
        **views.history_context(1),
        "oob": True,
    }
    overview = {"wallet": wallet, **market_context(), "oob": True}
    return "".join(
        [
            *(
                render_to_string(f"intents/trade.html#{name}", trade)
                for name in ("epoch", "pools", "history")
            ),
            render_to_string("core/overview.html#market", overview),
        ]
    )
