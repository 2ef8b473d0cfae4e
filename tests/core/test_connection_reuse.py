"""Connections are reused across requests: under an ASGI server every request runs in a thread
of its own, so per-thread persistent connections would open a PostgreSQL session (and
a Redis connection for the rate limits) per request. A pool per process reuses them."""

import threading

import pytest
import requests
from django.db import connection

from tests import stack

REQUESTS = 40


def sessions_opened() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_web_process_reuses_its_database_connections_across_requests(actions, alice):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session statistics")
    token = actions.post("/api/auth/login", alice, "login", {}).json()["token"]
    with stack.web_server("reuse-web") as url, requests.Session() as http:
        http.get(url + "/api/me", headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        before = sessions_opened()
        for _ in range(REQUESTS):
            answer = http.get(url + "/api/me", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
        opened = sessions_opened() - before
    # The server's pool holds at most PM_DB_POOL_SIZE connections; a session per
    # request would be REQUESTS of them.
    assert opened < 10, f"{opened} PostgreSQL sessions for {REQUESTS} requests"


def test_every_cache_object_of_a_process_shares_one_redis_client(settings):
    if not settings.REDIS_URL:
        pytest.skip("the cache is Redis only with REDIS_URL")
    from django.core.cache import caches

    seen = []  # (cache object, the Redis clients of two commands), one per thread

    def use_the_cache():
        cache = caches["default"]
        cache.get("any-key")
        clients = cache._cache.get_client(), cache._cache.get_client(write=True)
        seen.append((cache, clients))

    threads = [threading.Thread(target=use_the_cache) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(cache) for cache, _ in seen}) == 3
    assert len({id(client) for _, clients in seen for client in clients}) == 1
    assert len({id(client.connection_pool) for _, clients in seen for client in clients}) == 1
