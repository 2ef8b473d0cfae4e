"""The Django admin's sign-in, throttled per user name and client IP.

After `FAILURES` failed sign-ins for one user name from one IP within
`WINDOW_SECONDS`, those sign-ins answer 429 without the password being checked — the
right one included — until the oldest failure leaves the window: a guesser learns
nothing from further tries. The user name is part of the key because behind a proxy
(with `PM_NUM_PROXIES` unset) every client has the proxy's IP: per IP alone, anyone
could keep all staff out by failing ten times. The failures are counted by DRF's
cache-based throttle (Redis when REDIS_URL is set, so every web process counts
together); the client IP is DRF's (`NUM_PROXIES` says which X-Forwarded-For entry).

Unlike the API's limits, this one fails closed: while the cache is unreachable the
failures cannot be counted, so sign-ins answer 503 rather than let a guesser try
without limit (staff keep `manage.py` meanwhile)."""

import hashlib
import logging

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)

FAILURES = 10
WINDOW_SECONDS = 300


class AdminLoginThrottle(SimpleRateThrottle):
    scope = "admin-login"
    rate = f"{FAILURES}/{WINDOW_SECONDS}s"

    def parse_rate(self, rate) -> tuple[int, int]:
        return FAILURES, WINDOW_SECONDS

    def get_cache_key(self, request, view) -> str:
        username = request.POST.get("username", "").strip().lower()
        # hashed: a cache key of bounded length and without the raw text typed
        user = hashlib.sha256(username.encode()).hexdigest()[:32]
        ident = f"{self.get_ident(request)}:{user}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def locked(self, request) -> bool:
        """Whether this user name from this IP used up its failures (without counting
        this request)."""
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        self.allow_request(request, None)


@login_not_required
def admin_login(request, extra_context=None):
    """`admin.site.login`, refused with 429 while the user name is locked out from the
    client IP."""
    throttle = AdminLoginThrottle()
    signing_in = request.method == "POST"
    try:
        if signing_in and throttle.locked(request):
            return _refusal(
                429,
                "Too many failed sign-ins from your address; try again later.",
                int(throttle.wait() or 1),
            )
        response = admin.site.login(request, extra_context)
        if signing_in and response.status_code != 302:  # the form came back with an error
            throttle.record_failure(request)
    except RedisError as exc:
        log.warning("admin sign-in refused, failed sign-ins cannot be counted: %s", exc)
        return _refusal(503, "Sign-in is unavailable for a moment; try again shortly.", 5)
    return response


def _refusal(status: int, message: str, retry_after: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response
