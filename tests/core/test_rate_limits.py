"""Rate limits answer 429 rate_limited and change nothing; a wallet's allowance is
counted only for verified signatures."""

import logging
import os
import uuid

import pytest
from django.test import override_settings

from marketplace.core.throttles import IpThrottle
from marketplace.wallets.models import SignedAction
from tests import stack
from tests.conftest import balance

pytestmark = pytest.mark.django_db


@pytest.fixture(
    autouse=True,
    params=[
        "in-process",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="no REDIS_URL"),
        ),
    ],
)
def _fresh_counters(request, settings):
    """Each test counts from zero, in a private in-process cache and in Redis (where the
    windows are kept by a script of core/throttles.py) under keys of its own."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "marketplace.core.cache.RedisCache",
                "LOCATION": os.environ["REDIS_URL"],
                "KEY_PREFIX": f"rate-limit-test-{uuid.uuid4()}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                # locmem caches with one LOCATION share their data across the process
                "LOCATION": f"rate-limit-test-{uuid.uuid4()}",
            }
        }


FAUCET = "/api/faucet"
ONE = {"asset": "DOT", "amount": "1"}


def code(response):
    return response.json()["error"]["code"]


@override_settings(PM_RATE_ADDRESS="3/minute")
def test_a_wallet_over_its_limit_is_rate_limited_and_nothing_happens(actions, mallory):
    for _ in range(3):
        assert actions.post(FAUCET, mallory, "faucet", ONE).status_code == 200
    response = actions.post(FAUCET, mallory, "faucet", ONE)
    assert (response.status_code, code(response)) == (429, "rate_limited")
    assert balance(mallory) == 3
    assert SignedAction.objects.count() == 3


@override_settings(PM_RATE_ADDRESS="2/minute")
def test_forged_signatures_do_not_use_up_the_victims_allowance(actions, carol, mallory):
    for _ in range(5):
        payload = carol.payload("faucet", ONE)
        forged = {"payload": payload, "signature": mallory.sign(payload)}
        assert actions.client.post(FAUCET, forged, format="json").status_code == 401
    assert actions.post(FAUCET, carol, "faucet", ONE).status_code == 200


@override_settings(PM_RATE_ACTIONS={"login": "1/minute"})
def test_sign_in_has_its_own_tighter_limit(actions, erin_ed25519):
    assert actions.post("/api/auth/login", erin_ed25519, "login", {}).status_code == 200
    response = actions.post("/api/auth/login", erin_ed25519, "login", {})
    assert (response.status_code, code(response)) == (429, "rate_limited")


@override_settings(PM_RATE_IP="2/minute")
def test_one_client_address_over_its_limit_is_rate_limited(api):
    headers = {"REMOTE_ADDR": "198.51.100.7"}
    assert api.get("/api/config", **headers).status_code == 200
    assert api.get("/api/config", **headers).status_code == 200
    response = api.get("/api/config", **headers)
    assert (response.status_code, code(response)) == (429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert api.get("/api/config", REMOTE_ADDR="198.51.100.8").status_code == 200


@override_settings(PM_RATE_IP="1/minute")
def test_a_forged_forwarded_for_header_does_not_dodge_the_per_ip_limit(api):
    api.get("/api/config", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.1")
    response = api.get("/api/config", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.2")
    assert (response.status_code, code(response)) == (429, "rate_limited")


@override_settings(PM_RATE_IP="2/minute")
@pytest.mark.parametrize(
    "path", ["/api/data-nfts", "/api/providers", "/api/jobs", "/api/withdrawals"]
)
def test_a_signed_post_to_a_path_that_also_reads_counts_once_against_the_ip(api, path):
    headers = {"REMOTE_ADDR": "198.51.100.10"}
    for _ in range(2):  # unsigned: rejected by the action, but counted (once) all the same
        assert api.post(path, {}, format="json", **headers).status_code == 400
    response = api.post(path, {}, format="json", **headers)
    assert (response.status_code, code(response)) == (429, "rate_limited")


@pytest.mark.parametrize(
    "leak",
    [
        pytest.param(lambda signer: {"issued_at": "2020-01-01T00:00:00Z"}, id="stale"),
        pytest.param(lambda signer: {"domain": "phishing.example"}, id="wrong-domain"),
    ],
)
@override_settings(PM_RATE_ADDRESS="2/minute")
def test_a_leaked_signature_sent_again_and_again_does_not_lock_its_owner_out(actions, carol, leak):
    leaked = carol.envelope("faucet", ONE, **leak(carol))
    for _ in range(5):
        assert actions.client.post(FAUCET, leaked, format="json").status_code == 401
    assert actions.post(FAUCET, carol, "faucet", ONE).status_code == 200


@override_settings(PM_RATE_ADDRESS="2/minute")
def test_replaying_a_used_signature_does_not_use_up_the_allowance(actions, carol):
    used = carol.envelope("faucet", ONE)
    assert actions.client.post(FAUCET, used, format="json").status_code == 200
    for _ in range(5):
        replay = actions.client.post(FAUCET, used, format="json")
        assert replay["Idempotent-Replayed"] == "true"
    assert actions.post(FAUCET, carol, "faucet", ONE).status_code == 200
    assert balance(carol) == 2


@override_settings(PM_RATE_ADDRESS="2/minute")
def test_invalid_params_do_not_use_up_the_allowance(actions, carol):
    for _ in range(5):
        bad = actions.post(FAUCET, carol, "faucet", {"asset": "DOT", "amount": "-1"})
        assert bad.status_code == 400
    assert actions.post(FAUCET, carol, "faucet", ONE).status_code == 200


@override_settings(PM_RATE_IP="2/minute")
def test_a_request_older_than_the_window_no_longer_counts(api, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(IpThrottle, "timer", staticmethod(lambda: now[0]))
    headers = {"REMOTE_ADDR": "198.51.100.11"}
    assert api.get("/api/config", **headers).status_code == 200
    now[0] += 30
    assert api.get("/api/config", **headers).status_code == 200
    limited = api.get("/api/config", **headers)
    assert (limited.status_code, int(limited["Retry-After"])) == (429, 31)  # 30 s, rounded up
    now[0] += 30.5  # the first request left the window, the second has not
    assert api.get("/api/config", **headers).status_code == 200
    assert api.get("/api/config", **headers).status_code == 429


@override_settings(PM_RATE_IP="1/minute")
def test_while_the_cache_is_unreachable_the_limits_let_requests_through(api, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "marketplace.core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{stack.free_port()}/0",  # nothing listens there
        }
    }
    with caplog.at_level(logging.WARNING, logger="marketplace.core.throttles"):
        for _ in range(3):
            assert api.get("/api/config", REMOTE_ADDR="198.51.100.12").status_code == 200
    assert any("not checked" in r.getMessage() for r in caplog.records)
