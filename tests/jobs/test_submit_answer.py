"""The answer to `submit_job` is built from the job in hand, not read back: it must be
exactly what the owner reads from GET /api/jobs/{id} right after, and a replay of the
envelope must return it unchanged."""

import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import DOT
from tests.jobs.market import job_params

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
        {"status": "registered", "at": read["history"][0]["at"], "note": ""}
    ]
    assert (answer["bids"], answer["escrow"]) == ([], {"amount": str(10 * DOT), "state": "held"})

    replay = actions.client.post("/api/jobs", json.dumps(envelope), content_type="application/json")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == answer
