"""What the API answers while a dependency fails: a Redis that is gone does not stop
signed actions (the rate limits fail open), a database connection that the server
closed is replaced before the next request or task, and a database failing mid-request
(in a view or a middleware) is a JSON 503 that the client may retry."""

import logging
import socket
import time

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from marketplace.core.rest import exception_handler
from tests import stack
from tests.conftest import DOT, balance


def test_signed_actions_are_served_while_the_rate_limit_cache_is_unreachable(
    actions, alice, settings, caplog, db
):
    closed = stack.free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "marketplace.core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
        }
    }
    with caplog.at_level(logging.WARNING, logger="marketplace.core.throttles"):
        response = actions.post(
            "/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(DOT)}
        )
    assert response.status_code == 200, response.content
    assert balance(alice) == DOT
    warnings = [r.getMessage() for r in caplog.records]
    assert any("'ip' not checked" in message for message in warnings), warnings
    assert any("'address' not checked" in message for message in warnings), warnings


def test_a_redis_that_hangs_holds_a_signed_action_for_seconds_only(actions, alice, settings, db):
    if not settings.REDIS_URL:
        pytest.skip("the cache is Redis only with REDIS_URL")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hung = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": hung}}
        started = time.monotonic()
        response = actions.post(
            "/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(DOT)}
        )
        took = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert balance(alice) == DOT
    assert took < 5, f"{took:.1f}s: the per-IP and per-wallet checks wait 1 s each at most"


UNAVAILABLE = {
    "error": {
        "code": "unavailable",
        "message": "The service is briefly unavailable; retry shortly.",
        "fields": {},
    }
}


def test_a_database_failure_in_a_view_is_a_json_503_to_retry():
    response = exception_handler(OperationalError("terminating connection"), {})
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.data == UNAVAILABLE


def test_a_database_failure_in_a_middleware_is_a_json_503_as_well(monkeypatch):
    def lost(key):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("marketplace.wallets.middleware.wallet_for_key", lost)
    response = Client(raise_request_exception=False).get("/api/config")
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.json() == UNAVAILABLE


def test_any_other_failure_stays_a_500(monkeypatch):
    def broken(key):
        raise RuntimeError("a bug")

    monkeypatch.setattr("marketplace.wallets.middleware.wallet_for_key", broken)
    response = Client(raise_request_exception=False).get("/api/config")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_the_server_closed_is_replaced_before_the_next_request_or_task():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    close_old_connections()  # what Django does before each request and Celery before each task
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
