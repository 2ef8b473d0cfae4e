"""The replay check comes before freshness and params (API.md), although the stored
action is looked up only when a later check fails or the nonce's INSERT conflicts."""

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.wallets.models import SignedAction
from tests.conftest import DOT, balance

pytestmark = pytest.mark.django_db

FAUCET = "/api/faucet"
ONE_DOT = {"asset": "DOT", "amount": str(DOT)}


def minutes_ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_identical_replay_that_has_gone_stale_still_returns_the_first_answer(
    settings, actions, alice
):
    body = alice.envelope("faucet", ONE_DOT, issued_at=minutes_ago(2))
    first = actions.client.post(FAUCET, body, format="json")
    assert first.status_code == 200
    settings.PM_SIGNATURE_MAX_AGE_SECONDS = 60  # the same envelope is now too old
    again = actions.client.post(FAUCET, body, format="json")
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.json() == first.json()
    assert balance(alice) == DOT
    assert SignedAction.objects.count() == 1


def test_a_stale_payload_with_a_used_nonce_is_replayed_nonce_not_stale(actions, alice):
    assert actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="s" * 20).status_code == 200
    response = actions.post(
        FAUCET,
        alice,
        "faucet",
        {"asset": "DOT", "amount": "5"},
        nonce="s" * 20,
        issued_at=minutes_ago(10),
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "replayed_nonce")


def test_an_invalid_payload_with_a_used_nonce_is_replayed_nonce(actions, alice):
    assert actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="p" * 20).status_code == 200
    response = actions.post(FAUCET, alice, "faucet", {"asset": "BTC"}, nonce="p" * 20)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "replayed_nonce")
    assert balance(alice) == DOT


def test_a_fresh_replay_with_another_payload_is_replayed_nonce_and_moves_nothing(actions, alice):
    assert actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="q" * 20).status_code == 200
    response = actions.post(
        FAUCET, alice, "faucet", {"asset": "DOT", "amount": "5"}, nonce="q" * 20
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "replayed_nonce")
    assert balance(alice) == DOT
    assert SignedAction.objects.count() == 1
