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
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from .cache import RedisCache
from .errors import RateLimited

log = logging.getLogger(__name__)

# DRF's window of request times, newest first, checked and updated in Redis: the times
# that left the window are dropped; below the limit the request's time is added.
# Answers {1} when the request may pass, else {0, times in the window, the oldest} (no
# oldest when the window is empty: a limit of 0).
_WINDOW = """
local now, duration, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local oldest = redis.call("LINDEX", KEYS[1], -1)
while oldest and tonumber(oldest) <= now - duration do
    redis.call("RPOP", KEYS[1])
    oldest = redis.call("LINDEX", KEYS[1], -1)
end
local count = redis.call("LLEN", KEYS[1])
if count >= limit then
    return {0, count, oldest}
end
redis.call("LPUSH", KEYS[1], ARGV[1])
redis.call("EXPIRE", KEYS[1], ARGV[2])
return {1}
"""
_scripts: dict[int, Script] = {}


class _FailOpen(SimpleRateThrottle):
    """DRF's sliding window. On Redis it is a list that one script checks and updates
    in one round trip: DRF reads and writes the whole window, pickled (up to 1,200
    times for the IP limit), twice per check, and two requests at once could each
    overwrite the other's time."""

    _denied: tuple[int, float | None] | None = None  # (times in the window, the oldest)

    def allow_request(self, request, view) -> bool:
        try:
            backend = caches[DEFAULT_CACHE_ALIAS]  # DRF's `cache`
            if not isinstance(backend, RedisCache):
                return super().allow_request(request, view)  # the in-process cache
            return self._allow_on_redis(backend, request, view)
        except RedisError as exc:
            log.warning("rate limit %r not checked, the cache is unreachable: %s", self.scope, exc)
            return True

    def _allow_on_redis(self, backend: RedisCache, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        client = backend._cache.get_client(write=True)
        script = _scripts.get(id(client))
        if script is None:
            script = _scripts[id(client)] = client.register_script(_WINDOW)
        answer = script(
            keys=[backend.make_key(f"{self.key}:window")],
            args=[repr(self.now), self.duration, self.num_requests],
            client=client,
        )
        if answer[0] == 1:
            return True
        self._denied = (int(answer[1]), float(answer[2]) if len(answer) > 2 else None)
        return False

    def wait(self) -> float | None:
        if self._denied is None:
            return super().wait()
        count, oldest = self._denied  # DRF's formula over the window in Redis
        remaining = self.duration if oldest is None else self.duration - (self.now - oldest)
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / available


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
