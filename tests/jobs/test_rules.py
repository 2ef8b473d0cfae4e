"""The rules of submitting, bidding, delivering and reviewing, and the reads."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.core import errors, hooks
from marketplace.core.canonical import canonical_json
from marketplace.jobs.models import Job
from marketplace.providers import services as provider_services
from marketplace.providers.models import Provider
from tests.conftest import DOT, balance
from tests.jobs.market import RESULT_HASH, deadline_in, error, ok, register, step, submit

pytestmark = pytest.mark.django_db


def canonical_hash(content) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


# --- submit_job ----------------------------------------------------------------------------


def test_a_budget_below_the_minimum_is_refused(market, actions, alice):
    response = submit(actions, alice, budget=str(10**9 - 1))
    assert error(response) == (409, "below_minimum")
    assert (balance(alice), Job.objects.count()) == (100 * DOT, 0)


def test_a_deadline_sooner_than_the_minimum_is_invalid(market, actions, alice):
    response = submit(actions, alice, deadline=deadline_in(60))
    assert error(response) == (400, "invalid_params")
    assert response.json()["error"]["fields"] == {
        "deadline": "That is too soon: set a later deadline."
    }
    assert balance(alice) == 100 * DOT


def test_a_budget_above_the_balance_is_insufficient_funds(market, actions, alice):
    response = submit(actions, alice, budget=str(101 * DOT))
    assert error(response) == (409, "insufficient_funds")
    assert (balance(alice), Job.objects.count()) == (100 * DOT, 0)


@pytest.mark.parametrize(
    "bad",
    [
        {"compute_type": "quantum"},
        {"asset": "BTC"},
        {"budget": 10},
        {"budget": "-5"},
        {"deadline": "tomorrow"},
        {"data_nft_id": 0},
        {"model_ref": ""},
    ],
)
def test_malformed_params_are_invalid(market, actions, alice, bad):
    assert error(submit(actions, alice, **bad)) == (400, "invalid_params")
    assert balance(alice) == 100 * DOT


def test_the_data_access_hook_decides_whether_a_data_nft_may_be_used(
    market, actions, alice, monkeypatch
):
    seen = []

    def no_subscription(owner, data_nft_id, grant):
        seen.append((owner, data_nft_id, grant))
        if data_nft_id == 7:
            raise errors.DataAccessRequired()

    monkeypatch.setattr(hooks, "_job_data_access", [no_subscription])
    assert error(submit(actions, alice, data_nft_id=7)) == (403, "data_access_required")
    assert (balance(alice), Job.objects.count()) == (100 * DOT, 0)
    assert ok(submit(actions, alice, data_nft_id=8), 201)["data_nft_id"] == 8
    assert seen == [(alice.public_key, 7, "subscription"), (alice.public_key, 8, "subscription")]


def test_the_settled_hook_sees_the_job_inside_the_settling_transaction(
    completed, actions, alice, monkeypatch
):
    from django.db import connection

    seen = []
    monkeypatch.setattr(
        hooks,
        "_job_settled",
        [lambda job: seen.append((job.pk, job.status, connection.in_atomic_block))],
    )
    ok(step(actions, alice, completed["id"], "accept"))
    assert seen == [(completed["id"], "settled", True)]


# --- bids --------------------------------------------------------------------------------


def test_a_bid_above_the_budget_is_invalid(job, actions, bob):
    response = step(actions, bob, job["id"], "bids", price=str(10 * DOT + 1), sla_seconds=60)
    assert error(response) == (400, "invalid_params")
    assert not Job.objects.get(pk=job["id"]).bids.exists()


def test_a_second_open_bid_by_the_same_provider_is_a_duplicate(bid, job, actions, bob):
    response = step(actions, bob, job["id"], "bids", price=str(7 * DOT), sla_seconds=60)
    assert error(response) == (409, "duplicate")
    assert Job.objects.get(pk=job["id"]).bids.count() == 1


def test_a_bid_after_the_bid_window_is_window_closed(job, actions, bob):
    Job.objects.filter(pk=job["id"]).update(bid_window_ends_at=timezone.now())
    response = step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60)
    assert error(response) == (409, "window_closed")


def test_a_provider_without_the_capability_may_not_bid(job, actions, carol, fund):
    fund(carol, 200 * DOT)
    register(actions, carol, capabilities=("cpu",))
    response = step(actions, carol, job["id"], "bids", price=str(DOT), sla_seconds=60)
    assert error(response) == (403, "forbidden")


def test_a_deactivated_provider_may_not_bid(job, actions, bob):
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    provider_services.deactivate_provider(provider.pk, reason="fraud")
    response = step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60)
    assert error(response) == (403, "forbidden")


def test_a_provider_slashed_below_the_minimum_stake_may_not_bid(job, actions, bob):
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    provider_services.slash_provider(provider.pk, amount=101 * DOT, reason="fraud")
    response = step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=60)
    assert error(response) == (409, "below_minimum")


def test_the_owner_and_the_bidder_hear_of_a_bid(bid, job, alice, bob):
    from marketplace.core.models import OutboxEvent

    event = OutboxEvent.objects.get(type="job.bid")
    assert event.groups == [f"user.{alice.public_key}", f"user.{bob.public_key}"]
    assert event.data == {
        "job_id": job["id"],
        "bid": {
            "id": bid["id"],
            "provider": bob.address,
            "price": str(8 * DOT),
            "sla_seconds": 600,
            "status": "open",
        },
    }


def test_an_unknown_bid_is_not_found(job, actions, alice):
    assert error(step(actions, alice, job["id"], "assign", bid_id=999_999)) == (404, "not_found")


# --- delivery and review --------------------------------------------------------------------


def test_starting_after_the_deadline_is_deadline_passed(assigned, actions, bob):
    Job.objects.filter(pk=assigned["id"]).update(deadline=timezone.now())
    assert error(step(actions, bob, assigned["id"], "start")) == (409, "deadline_passed")
    assert Job.objects.get(pk=assigned["id"]).status == "assigned"


def test_a_result_with_content_must_hash_to_its_result_hash(in_progress, actions, bob, alice, api):
    content = {"labels": ["cat", "dog"], "score": 97}
    wrong = step(
        actions,
        bob,
        in_progress["id"],
        "result",
        result_ref="inline",
        result_hash=RESULT_HASH,
        result_content=content,
    )
    assert error(wrong) == (400, "invalid_params")
    assert Job.objects.get(pk=in_progress["id"]).status == "in_progress"
    right = step(
        actions,
        bob,
        in_progress["id"],
        "result",
        result_ref="inline",
        result_hash=canonical_hash(content),
        result_content=content,
    )
    assert ok(right)["status"] == "completed"
    token = actions.post("/api/auth/login", alice, "login", {}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(f"/api/jobs/{in_progress['id']}/result").json()["result_content"] == content


def test_result_content_over_256_kb_is_refused(in_progress, actions, bob):
    content = {"blob": "x" * (256 * 1024)}
    response = step(
        actions,
        bob,
        in_progress["id"],
        "result",
        result_ref="inline",
        result_hash=canonical_hash(content),
        result_content=content,
    )
    assert error(response) == (400, "invalid_params")
    assert "result_content" in response.json()["error"]["fields"]


def test_a_dispute_after_the_review_window_is_window_closed(completed, actions, alice):
    Job.objects.filter(pk=completed["id"]).update(review_ends_at=timezone.now())
    response = step(actions, alice, completed["id"], "dispute", reason="late")
    assert error(response) == (409, "window_closed")
    assert Job.objects.get(pk=completed["id"]).status == "completed"


def test_the_url_id_must_match_the_params(job, bid, actions, alice):
    response = actions.post(
        f"/api/jobs/{job['id']}/assign",
        alice,
        "assign_provider",
        {"job_id": job["id"] + 1, "bid_id": bid["id"]},
    )
    assert error(response) == (400, "invalid_params")


# --- reads -------------------------------------------------------------------------------


def test_jobs_are_listed_newest_first_and_filtered(assigned, market, actions, alice, bob, api):
    other = ok(submit(actions, alice, budget=str(2 * DOT)), 201)
    everything = api.get("/api/jobs").json()
    assert (everything["count"], [j["id"] for j in everything["results"]]) == (
        2,
        [other["id"], assigned["id"]],
    )
    assert [j["id"] for j in api.get("/api/jobs?status=assigned").json()["results"]] == [
        assigned["id"]
    ]
    assert api.get(f"/api/jobs?provider={bob.address}").json()["count"] == 1
    assert api.get(f"/api/jobs?owner={alice.address}").json()["count"] == 2
    assert api.get(f"/api/jobs?owner={bob.address}").json()["count"] == 0
    assert error(api.get("/api/jobs?status=lost")) == (400, "invalid_params")
    assert error(api.get("/api/jobs?owner=nobody")) == (400, "invalid_params")


def test_the_escrow_endpoint_shows_what_is_held_and_what_became_of_it(
    assigned, api, actions, alice
):
    url = f"/api/jobs/{assigned['id']}/escrow"
    assert api.get(url).json() == {
        "job_id": assigned["id"],
        "asset": "DOT",
        "amount": str(8 * DOT),
        "state": "held",
    }
    ok(step(actions, alice, assigned["id"], "cancel"))
    assert api.get(url).json()["state"] == "refunded"
    assert api.get(url).json()["amount"] == "0"


def test_an_unknown_job_is_not_found(db, api):
    assert error(api.get("/api/jobs/999999")) == (404, "not_found")
    assert error(api.get("/api/jobs/999999/escrow")) == (404, "not_found")


def test_the_history_records_each_status_with_its_time(settled):
    times = [entry["at"] for entry in settled["history"]]
    assert times == sorted(times)
    job = Job.objects.get(pk=settled["id"])
    assert job.history.last().at - job.created_at < timedelta(minutes=1)


def test_a_refused_field_reads_as_a_sentence_and_keeps_its_code(market, actions, alice):
    """DRF's default wording is replaced by what to do; the code and shape stay API.md's."""
    response = submit(actions, alice, data_nft_id=0, budget=None)
    assert error(response) == (400, "invalid_params")
    body = response.json()["error"]
    assert body["fields"] == {"data_nft_id": "Enter 1 or more.", "budget": "Fill this in."}
    assert body["message"] == "Please correct the marked fields."
    assert balance(alice) == 100 * DOT
