"""Wallet pages (htmx). Thin: reads come from selectors, writes are signed actions
posted by wallet.js to the API."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ledger import selectors as ledger_selectors
from marketplace.core.selectors import public_config

from . import selectors

STATEMENT_PAGE_SIZE = 20


def _statement_page(request, wallet):
    entries = ledger_selectors.statement(wallet.public_key)
    page = Paginator(entries, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    mine = f"user:{wallet.public_key}"
    for entry in page.object_list:
        entry.direction = "in" if entry.credit_account.code == mine else "out"
    return page


def wallet_page(request):
    wallet = request.wallet
    context = {"config": public_config()}
    if wallet is not None:
        context |= {
            "page": _statement_page(request, wallet),
            "withdrawals": selectors.withdrawals_of(wallet)[:20],
        }
    return render(request, "wallets/wallet.html", context)


def statement_fragment(request):
    if request.wallet is None:
        return render(request, "wallets/wallet.html#statement", {"page": None})
    return render(
        request, "wallets/wallet.html#statement", {"page": _statement_page(request, request.wallet)}
    )
