from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import market_context


def overview(request: HttpRequest) -> HttpResponse:
    """The landing page; an htmx request (a socket reconnect) gets the market section."""
    template = "overview/overview.html#market" if request.htmx else "overview/overview.html"
    return render(request, template, market_context())
