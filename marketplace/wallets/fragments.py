"""Live fragments pushed to /ws/live/ when a wallet's balances change."""

from django.template.loader import render_to_string

from ledger import selectors as ledger_selectors
from marketplace.realtime import live

from .selectors import statement_page, withdrawals_of


@live.fragment("balance")
def balances(wallet, data) -> str:
    """The header balances, and on the wallet page its balances table and the first
    page of the statement (where the new movement is)."""
    if wallet is None:
        return ""
    context = {
        "balances": ledger_selectors.balances(wallet.public_key),
        "page": statement_page(wallet.public_key, 1),
        "oob": True,
    }
    return "".join(
        render_to_string(template, context)
        for template in (
            "wallets/_header_balances.html",
            "wallets/wallet.html#balances",
            "wallets/wallet.html#statement",
        )
    )


@live.fragment("withdrawal.status")
def withdrawals(wallet, data) -> str:
    """The wallet page's withdrawals, as the payer moves one along."""
    if wallet is None:
        return ""
    context = {"withdrawals": withdrawals_of(wallet)[:20], "oob": True}
    return render_to_string("wallets/wallet.html#withdrawals", context)
