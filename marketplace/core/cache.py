"""Django's Redis cache (the rate limits) with one Redis client per process.

Django keeps a cache object per request context, and under an ASGI server every request runs
in a thread of its own, so the stock `RedisCache` built a new connection pool — and
opened a new connection — for each request, and a new `redis.Redis` client (with its
table of ≈ 250 response callbacks) for every command: ≈ 0.2 ms of CPU per command,
two commands per rate limit, three limits per signed action (docs/BENCHMARKS.md). Here
every cache object of a process uses the same client, and so the same pool, for the
same server and options. redis-py clients are thread-safe, and a pool inherited across
a fork (Celery's prefork children) resets itself, so each process still has its own
connections."""

import threading

from django.core.cache.backends import redis as django_redis
from redis import Redis


class _SharedClient(django_redis.RedisCacheClient):
    _clients: dict[tuple, Redis] = {}
    _lock = threading.Lock()

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        settings = tuple(sorted((name, repr(v)) for name, v in self._pool_options.items()))
        self._idents = [(server, settings) for server in self._servers]

    def get_client(self, key=None, *, write=False) -> Redis:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(self._idents[index])
        if client is None:
            with self._lock:
                if self._idents[index] not in self._clients:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    self._clients[self._idents[index]] = self._client(connection_pool=pool)
                client = self._clients[self._idents[index]]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClient
