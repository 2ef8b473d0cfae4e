import logging
import sys

from django.http import JsonResponse
from django.shortcuts import render

from . import health, rest

log = logging.getLogger(__name__)


def healthz(request):
    report = health.report()
    return JsonResponse(report, status=200 if report["db"] == "ok" else 503)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(rest.error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # Django calls handler500 while it handles the exception (one from a middleware)
    exc = sys.exc_info()[1]
    if isinstance(exc, rest.DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", exc)
        return JsonResponse(rest.UNAVAILABLE, status=503, headers={"Retry-After": "1"})
    return JsonResponse(rest.error_body("server_error", "Something broke on our side."), status=500)
