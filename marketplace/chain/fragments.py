"""Live fragments pushed to /ws/live/: the wallet page's deposits, as a transfer is seen
in a block and again when it is credited."""

from django.conf import settings
from django.template.loader import render_to_string

from marketplace.realtime import live

from .selectors import deposits_of

RECENT = 10


def deposits_context(wallet) -> dict:
    return {
        "deposits": deposits_of(wallet.public_key)[:RECENT],
        "confirmations": settings.PM_CHAIN_CONFIRMATIONS,
    }


@live.fragment("deposit.seen")
@live.fragment("deposit.credited")
def deposits(wallet, data) -> str:
    if wallet is None:
        return ""
    return render_to_string("chain/_deposits.html", deposits_context(wallet) | {"oob": True})
