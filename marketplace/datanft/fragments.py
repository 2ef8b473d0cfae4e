"""Live fragments pushed to /ws/live/ when a wallet's Data NFT subscription ends, and
when an NFT's usage changes (an access, a purchase)."""

from django.template.loader import render_to_string

from marketplace.realtime import live

from . import selectors
from .views import usage_context


@live.fragment("subscription.expired")
def subscription_ended(wallet, data) -> str:
    """The NFT page's access box (the "Get access" button goes, "Subscribe again"
    comes) and the "My subscriptions" table of /data/mine/. htmx ignores whichever of
    the two the open page does not have."""
    item = selectors.nft(data["nft_id"]) if wallet is not None else None
    if item is None:
        return ""
    context = {
        "wallet": wallet,
        "item": item,
        **selectors.reader_view(item, wallet.public_key),
        "subscriptions": selectors.subscriptions_of(wallet.public_key),
        "oob": True,
    }
    return "".join(
        render_to_string(template, context)
        for template in ("datanft/detail.html#access", "datanft/mine.html#subscriptions")
    )


@live.fragment("datanft.usage")
def usage(wallet, data) -> str:
    """The NFT page's usage panel (public figures, for anyone on the page)."""
    item = selectors.nft(data["nft_id"])
    if item is None:
        return ""
    return render_to_string("datanft/detail.html#usage", {**usage_context(item), "oob": True})
