"""The wallet page's deposits section (htmx), loaded by the page and pushed live by
fragments.py."""

from django.shortcuts import render

from .fragments import deposits_context


def deposits_fragment(request):
    wallet = request.wallet
    context = deposits_context(wallet) if wallet else {"deposits": []}
    return render(request, "chain/_deposits.html", context)
