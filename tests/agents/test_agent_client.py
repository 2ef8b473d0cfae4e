"""The agents' API client against a real server: sign-in, retries that never run an
action twice, and an events stream that survives a server restart."""

import json
import queue
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from marketplace.agents.client import CONNECTED, ApiError, EventListener
from marketplace.core.canonical import canonical_json
from tests import stack
from tests.agents.conftest import client_for
from tests.conftest import DOT


def dot(client) -> dict:
    return next(b for b in client.get("/api/me")["balances"] if b["asset"] == "DOT")


def next_event(listener: EventListener, kind: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = listener.events.get(timeout=left)
        except queue.Empty:
            break
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event within {timeout}s")


def test_an_agent_signs_in_and_reads_with_its_token(server):
    alice = client_for(server, "//Alice")

    token = alice.login()

    assert token
    assert alice.get("/api/me")["address"] == alice.signer.address


def test_the_same_nonce_sent_twice_pays_the_faucet_once(server):
    alice = client_for(server, "//Alice")
    params = {"asset": "DOT", "amount": str(5 * DOT)}
    journal = {}

    first, replayed = alice.post_action(
        "/api/faucet", "faucet", params, nonce="faucet-once-0001", journal=journal
    )
    again, replayed_again = alice.post_action(
        "/api/faucet", "faucet", params, nonce="faucet-once-0001", journal=journal
    )

    assert (replayed, replayed_again) == (False, True)
    assert again == first
    assert dot(alice)["available"] == str(5 * DOT)


def test_an_answer_lost_on_the_way_back_is_retried_and_replayed(server, monkeypatch):
    alice = client_for(server, "//Alice")
    alice.login()
    real = alice.session.request
    answers = []

    def lose_the_first_answer(method, url, **kwargs):
        response = real(method, url, **kwargs)  # the server did run it
        answers.append(response)
        if len(answers) == 1 and method == "POST":
            raise requests.ConnectionError("connection reset")
        return response

    monkeypatch.setattr(alice.session, "request", lose_the_first_answer)

    body, replayed = alice.post_action(
        "/api/faucet", "faucet", {"asset": "DOT", "amount": str(DOT)}
    )

    assert replayed
    assert [r.headers.get("Idempotent-Replayed") for r in answers] == [None, "true"]
    assert body["action_id"] == answers[0].json()["action_id"]
    monkeypatch.undo()
    assert dot(alice)["available"] == str(DOT)


def test_a_journaled_payload_too_old_to_run_is_signed_again_with_the_same_nonce(server):
    alice = client_for(server, "//Alice")
    params = {"asset": "DOT", "amount": str(DOT)}
    nonce = "stale-nonce-0001"
    stale = json.loads(
        alice.signer.payload("faucet", params, domain=alice.config()["domain"], nonce=nonce)
    )
    stale["issued_at"] = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stale_payload = canonical_json(stale)
    journal = {nonce: stale_payload}  # written by a run that died before sending it

    _, replayed = alice.post_action("/api/faucet", "faucet", params, nonce=nonce, journal=journal)

    assert not replayed
    assert journal[nonce] != stale_payload
    assert dot(alice)["available"] == str(DOT)


def test_an_error_answer_is_raised_with_its_code(server):
    alice = client_for(server, "//Alice")

    with pytest.raises(ApiError) as raised:
        alice.post_action("/api/faucet", "faucet", {"asset": "NOPE", "amount": "1"})

    assert raised.value.status == 400
    assert raised.value.code == "invalid_params"


def test_a_provider_declines_a_job_with_its_reason_once_even_when_retried(server):
    alice, bob = client_for(server, "//Alice"), client_for(server, "//Bob")
    alice.post_action("/api/faucet", "faucet", {"asset": "DOT", "amount": str(10 * DOT)})
    bob.post_action("/api/faucet", "faucet", {"asset": "DOT", "amount": str(200 * DOT)})
    bob.post_action(
        "/api/providers",
        "register_provider",
        {
            "name": "bob",
            "capabilities": ["cpu"],
            "regions": [],
            "pricing": {},
            "stake": bob.config()["min_stake"],
        },
    )
    deadline = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {
        "model_ref": "ipfs://model",
        "data_ref": "",
        "compute_type": "cpu",
        "asset": "DOT",
        "budget": str(DOT),
        "deadline": deadline,
        "privacy_required": False,
    }
    job, _ = alice.post_action("/api/jobs", "submit_job", params)
    journal: dict[str, str] = {}

    for _ in range(2):  # a restarted agent re-sends the journaled payload: a replay
        reason = "  no runner for ipfs://model  "
        bob.decline_job(job["id"], reason, nonce="decline-job-once-0001", journal=journal)

    history = alice.get(f"/api/jobs/{job['id']}")["history"]
    assert [(e["declined_by"], e["reason"]) for e in history if e["declined_by"]] == [
        (bob.signer.address, "no runner for ipfs://model")
    ]


def test_the_events_stream_reconnects_after_a_server_restart_and_resyncs(
    transactional_db, monkeypatch
):
    port = stack.free_port()
    monkeypatch.setattr(stack, "free_port", lambda: port)
    with stack.web_server("agents-web") as url:
        alice = client_for(url, "//Alice", retry_for=60)
        listener = alice.listen()
        next_event(listener, CONNECTED)
        alice.post_action("/api/faucet", "faucet", {"asset": "DOT", "amount": str(DOT)})
        assert next_event(listener, "balance")["data"]["balances"]
    # While the server is down the listener backs off; the new server on the same port
    # takes it back, and the CONNECTED event tells the agent to re-read state.
    with stack.web_server("agents-web") as url:
        next_event(listener, CONNECTED, timeout=40)
        assert listener.connections == 2
        alice.post_action("/api/faucet", "faucet", {"asset": "DOT", "amount": str(DOT)})
        balance = next_event(listener, "balance")["data"]["balances"]
        assert next(b for b in balance if b["asset"] == "DOT")["available"] == str(2 * DOT)
        listener.stop.set()
        listener.join(timeout=5)


def test_events_committed_while_the_listener_was_away_arrive_when_it_reconnects(
    transactional_db, monkeypatch
):
    from django.db import transaction

    from marketplace.realtime.events import publish, user_group

    port = stack.free_port()
    monkeypatch.setattr(stack, "free_port", lambda: port)
    with stack.web_server("agents-web") as url:
        alice = client_for(url, "//Alice", retry_for=60)
        listener = alice.listen()
        next_event(listener, CONNECTED)
        alice.post_action("/api/faucet", "faucet", {"asset": "DOT", "amount": str(DOT)})
        next_event(listener, "balance")
    with transaction.atomic():  # nobody is listening: the push is lost, the row stays
        publish([user_group(alice.signer.keypair.public_key.hex())], "job.status", {"missed": True})
    with stack.web_server("agents-web"):
        next_event(listener, CONNECTED, timeout=40)
        assert next_event(listener, "job.status")["data"] == {"missed": True}
        listener.stop.set()
        listener.join(timeout=5)
