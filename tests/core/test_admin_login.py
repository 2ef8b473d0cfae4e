"""The admin is for staff only, and its sign-in is throttled per user name and client
IP: after the limit they are refused (429) without the password being checked, the
right one too, while other staff behind the same IP can still sign in."""

import logging
import uuid

import pytest
from django.contrib.auth import get_user_model

from marketplace.core.admin_login import FAILURES
from tests import stack

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    """Each test counts from zero (a private in-process cache, not the shared Redis)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"admin-login-test-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff", password=PASSWORD, is_staff=True)


def sign_in(client, password, ip="203.0.113.7"):
    credentials = {"username": "staff", "password": password, "next": "/admin/"}
    return client.post(LOGIN, credentials, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_staff_sign_in_to_the_admin_with_their_password(client, staff):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_user_who_is_not_staff_is_sent_to_the_admin_login(client):
    user = get_user_model().objects.create_user("someone", password=PASSWORD)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get("/admin/core/outboxevent/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_after_the_limit_of_failures_an_ip_is_refused_even_with_the_right_password(client, staff):
    for _ in range(FAILURES):
        response = sign_in(client, "guess")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not signed_in(client)


def test_a_locked_out_ip_does_not_lock_out_staff_elsewhere(client, staff):
    for _ in range(FAILURES):
        sign_in(client, "guess", ip="203.0.113.66")
    assert sign_in(client, PASSWORD, ip="198.51.100.20").status_code == 302
    assert signed_in(client)


def test_failures_below_the_limit_do_not_stop_the_right_password(client, staff):
    for _ in range(FAILURES - 1):
        sign_in(client, "typo")
    assert sign_in(client, PASSWORD).status_code == 302


def test_while_the_cache_is_unreachable_sign_ins_are_refused_not_let_through(
    client, staff, settings, caplog
):
    closed = stack.free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "marketplace.core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
        }
    }
    assert client.get(LOGIN).status_code == 200  # the form itself needs no counting
    with caplog.at_level(logging.WARNING, logger="marketplace.core.admin_login"):
        response = sign_in(client, PASSWORD)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert not signed_in(client)
    assert any("cannot be counted" in r.getMessage() for r in caplog.records)


def test_failures_for_one_user_name_do_not_lock_out_other_staff_behind_the_same_ip(client):
    get_user_model().objects.create_user("colleague", password=PASSWORD, is_staff=True)
    for _ in range(FAILURES + 2):
        client.post(LOGIN, {"username": "staff", "password": "guess"}, REMOTE_ADDR="10.0.0.1")
    locked = client.post(LOGIN, {"username": "staff", "password": "x"}, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    colleague = {"username": "colleague", "password": PASSWORD, "next": "/admin/"}
    assert client.post(LOGIN, colleague, REMOTE_ADDR="10.0.0.1").status_code == 302
