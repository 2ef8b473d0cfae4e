"""One Redis connection pool per process for Django's cache (the rate limits).

Django keeps a cache object per request context, and under daphne every request runs
in a thread of its own, so the stock `RedisCache` built a new pool — and opened a new
connection — for each request. This pool class hands every cache object of a process
the same pool for the same URL and options; redis-py resets a pool inherited across a
fork (Celery's prefork children), so each process still has its own connections."""

import threading

from redis import ConnectionPool


class SharedConnectionPool(ConnectionPool):
    _shared: dict[tuple, ConnectionPool] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options) -> ConnectionPool:
        key = (url, tuple(sorted((name, repr(value)) for name, value in options.items())))
        with cls._lock:
            if key not in cls._shared:
                cls._shared[key] = super().from_url(url, **options)
            return cls._shared[key]
