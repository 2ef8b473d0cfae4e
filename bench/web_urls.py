"""The product's URLs plus `/bench/bare`, the bare Django view that the HTTP bench
measures next to the signed `submit_job` (bench only: see bench/web_settings.py)."""

from django.http import JsonResponse
from django.urls import path

from polkamesh_web.urls import handler404, handler500
from polkamesh_web.urls import urlpatterns as product_urlpatterns


def bare(request):
    """The least a Django view does: a tiny JSON answer, through the same middleware."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare), *product_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
