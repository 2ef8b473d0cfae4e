"""Live fragments pushed to /ws/live/ when a wallet's balances change."""

from django.template.loader import render_to_string

from ledger import selectors as ledger_selectors
from marketplace.core import live


@live.fragment("balance")
def balances(wallet, data) -> str:
    if wallet is None:
        return ""
    context = {"balances": ledger_selectors.balances(wallet.public_key), "oob": True}
    return render_to_string("wallets/_header_balances.html", context) + render_to_string(
        "wallets/wallet.html#balances", context
    )
