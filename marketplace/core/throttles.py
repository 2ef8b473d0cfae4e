"""Rate limits, on DRF's throttling (history kept in the cache: Redis when REDIS_URL is
set, so every web process counts together).

- Per client IP, on every API request (`PM_RATE_IP`).
- Per wallet, on signed actions, counted only once the signature verified: nobody
  can use up someone else's allowance by sending payloads in their name
  (`PM_RATE_ADDRESS`, with tighter limits for `login` and `faucet`).

When the cache is unreachable the limits fail open: the request is served (the
database, not the cache, holds every state that matters) and a warning is logged."""

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from .errors import RateLimited

log = logging.getLogger(__name__)


class _FailOpen(SimpleRateThrottle):
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            log.warning("rate limit %r not checked, the cache is unreachable: %s", self.scope, exc)
            return True


class IpThrottle(_FailOpen):
    scope = "ip"

    def get_rate(self) -> str:
        return settings.PM_RATE_IP

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _KeyThrottle(_FailOpen):
    """DRF's throttle for a key that is not a request (a verified wallet)."""

    def __init__(self, scope: str, rate: str, ident: str):
        self.scope, self.rate_text, self.ident = scope, rate, ident
        super().__init__()

    def get_rate(self) -> str:
        return self.rate_text

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def check_signed_action(public_key: str, action: str) -> None:
    """RateLimited (429) when this wallet sent too many actions, or too many of this
    kind; call it after the signature verified."""
    limits = [("address", settings.PM_RATE_ADDRESS)]
    if action in settings.PM_RATE_ACTIONS:
        limits.append((f"action-{action}", settings.PM_RATE_ACTIONS[action]))
    for scope, rate in limits:
        throttle = _KeyThrottle(scope, rate, public_key)
        if not throttle.allow_request(None, None):
            raise RateLimited(
                f"Too many requests from this wallet ({rate}); try again shortly.",
                {"retry_after": str(int(throttle.wait() or 1))},
            )
