from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import dashboard, market_context


def overview(request: HttpRequest) -> HttpResponse:
    """The landing page: the signed-in wallet's own jobs, bids, data and trades, then the
    market; an htmx request (a socket reconnect) gets the market section."""
    if request.htmx:
        return render(request, "overview/overview.html#market", market_context())
    wallet = request.wallet
    mine = dashboard(wallet.public_key) if wallet else {}
    return render(request, "overview/overview.html", market_context() | mine)
