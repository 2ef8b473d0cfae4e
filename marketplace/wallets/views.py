"""Wallet pages (htmx). Thin: reads come from selectors, writes are signed actions
posted by wallet.js to the API."""

from django.shortcuts import render

from marketplace.core.selectors import public_config

from . import selectors


def wallet_page(request):
    wallet = request.wallet
    context = {"config": public_config()}
    if wallet is not None:
        context |= {
            "page": selectors.statement_page(wallet.public_key, request.GET.get("page")),
            "withdrawals": selectors.withdrawals_of(wallet)[:20],
        }
    return render(request, "wallets/wallet.html", context)


def statement_fragment(request):
    wallet = request.wallet
    page = selectors.statement_page(wallet.public_key, request.GET.get("page")) if wallet else None
    return render(request, "wallets/wallet.html#statement", {"page": page})
