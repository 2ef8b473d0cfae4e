"""The answer to `submit_job` is built from the job in hand, not read back: it must be
exactly what the owner reads from GET /api/jobs/{id} right after, and a replay of the
envelope must return it unchanged."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from marketplace.core.models import OutboxEvent
from tests.conftest import DOT
from tests.jobs.market import escrow, job_params, ok, step, submit

pytestmark = pytest.mark.django_db


def test_the_submit_answer_is_the_job_as_its_owner_reads_it(market, actions, alice):
    envelope = alice.envelope("submit_job", job_params())
    posted = actions.client.post("/api/jobs", json.dumps(envelope), content_type="application/json")
    assert posted.status_code == 201
    answer = posted.json()

    reader = APIClient()
    token = actions.post("/api/auth/login", alice, "login", {}).json()["token"]
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    read = reader.get(f"/api/jobs/{answer['id']}").json()
    assert {k: v for k, v in answer.items() if k != "action_id"} == read
    assert answer["history"] == [
        {
            "status": "registered",
            "at": read["history"][0]["at"],
            "note": "",
            "declined_by": None,
            "reason": "",
        }
    ]
    assert (answer["bids"], answer["escrow"]) == ([], {"amount": str(10 * DOT), "state": "held"})

    replay = actions.client.post("/api/jobs", json.dumps(envelope), content_type="application/json")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == answer


def test_a_page_of_jobs_reads_its_escrows_with_the_jobs_not_one_query_each(market, actions, alice):
    def listed() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as queries:
            page = actions.client.get("/api/jobs")
        assert page.status_code == 200
        return len(queries), page.json()["results"]

    first = ok(submit(actions, alice), 201)
    ok(step(actions, alice, first["id"], "cancel"))  # its escrow goes back: 0 now
    for _ in range(2):
        ok(submit(actions, alice, budget=str(3 * DOT)), 201)
    few, jobs = listed()
    for _ in range(3):
        ok(submit(actions, alice), 201)
    more, more_jobs = listed()
    assert (len(jobs), len(more_jobs)) == (3, 6)
    assert few == more
    assert {job["id"]: job["escrow"]["amount"] for job in more_jobs} == {
        job["id"]: str(escrow(job["id"])) for job in more_jobs
    }
    assert [job["escrow"]["amount"] for job in jobs] == [str(3 * DOT), str(3 * DOT), "0"]


def test_a_signed_submit_job_is_a_pinned_number_of_statements(market, actions, alice):
    """The hot path of the market: a change that adds a round trip to it shows here. One
    transaction: the wallet, the nonce's record, the job, the escrow hold (a guarded
    debit, the hold account created with its balance, the hold, the transfer), the
    status and its history, the payer's balances, the outbox events in one INSERT, and
    the stored answer."""
    ok(submit(actions, alice), 201)  # the wallet exists; known asset codes are remembered
    events_before = OutboxEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        ok(submit(actions, alice), 201)
    statements = [query["sql"] for query in queries]
    outbox = [sql for sql in statements if sql.startswith('INSERT INTO "core_outboxevent"')]
    assert len(outbox) == 1
    assert OutboxEvent.objects.count() - events_before == 3  # balance, job.status, job.opened
    assert len(statements) == 18, "\n".join(statements)
