"""submit_confidential_job: holds the budget, stores only the sealed box and its hash,
assigns the underlying job to the worker and tells it; bad input is a 4xx that changes
nothing."""

import base64
import hashlib

import pytest

from ledger.models import Transfer
from marketplace.confidential import services
from marketplace.confidential.models import ConfidentialJob, TeeWorker
from marketplace.core.models import OutboxEvent
from marketplace.jobs.models import Job
from tests.confidential.conftest import (
    BUDGET,
    approve,
    forecast_payload,
    register_worker,
    seal,
    submit,
)
from tests.conftest import DOT, balance
from tests.jobs.market import deadline_in, escrow, ok, register

pytestmark = pytest.mark.django_db


def test_it_holds_the_budget_and_assigns_the_job_to_the_worker(
    actions, alice, dave, fund, worker, worker_key, reply_key
):
    fund(alice, 100 * DOT)
    sealed = seal(worker_key, forecast_payload(reply_key))

    answer = ok(submit(actions, alice, dave, sealed), 201)

    digest = hashlib.sha256(base64.b64decode(sealed)).hexdigest()
    assert (answer["payload_hash"], answer["status"]) == (digest, "assigned")
    assert balance(alice) == 100 * DOT - BUDGET
    assert escrow(answer["job_id"]) == BUDGET
    job = Job.objects.get(pk=answer["job_id"])
    assert (job.compute_type, job.privacy_required, job.price) == ("tee", True, BUDGET)
    assert job.assigned_provider.wallet.public_key == dave.public_key
    # The public job names neither model nor data, only the payload's hash.
    assert (job.model_ref, job.data_ref) == ("sealed", f"sealed:{digest}")
    row = ConfidentialJob.objects.get(pk=answer["id"])
    assert (row.encrypted_payload, row.payload_hash) == (sealed, digest)
    event = OutboxEvent.objects.filter(type="confidential_job.assigned").get()
    assert event.groups == [f"user.{dave.public_key}"]
    assert (event.data["id"], event.data["job_id"]) == (answer["id"], answer["job_id"])


def nothing_changed(alice) -> None:
    assert balance(alice) == 100 * DOT
    assert ConfidentialJob.objects.count() == 0
    assert Job.objects.count() == 0
    assert not Transfer.objects.filter(kind="escrow_hold").exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ("not base64 at all!", "encrypted_payload"),
        ("QUJD", "encrypted_payload"),  # three bytes: shorter than any sealed box
        (base64.b64encode(b"x" * (256 * 1024 + 1)).decode(), "encrypted_payload"),
        (12345, "encrypted_payload"),
    ],
    ids=["not-base64", "too-short", "oversized", "number"],
)
def test_a_malformed_payload_is_400(actions, alice, dave, fund, worker, payload, field):
    fund(alice, 100 * DOT)
    response = submit(actions, alice, dave, payload)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
    assert field in response.json()["error"]["fields"]
    nothing_changed(alice)


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"budget": "1"}, 409, "below_minimum"),
        ({"budget": str(1000 * DOT)}, 409, "insufficient_funds"),
        ({"deadline": deadline_in(60)}, 400, "invalid_params"),
        ({"asset": "NOPE"}, 400, "invalid_params"),
        ({"worker": "not-an-address"}, 400, "invalid_params"),
    ],
    ids=["below-minimum", "insufficient", "deadline-too-soon", "unknown-asset", "bad-address"],
)
def test_bad_terms_are_refused(
    actions, alice, dave, fund, worker, worker_key, reply_key, overrides, status, code
):
    fund(alice, 100 * DOT)
    response = submit(
        actions, alice, dave, seal(worker_key, forecast_payload(reply_key)), **overrides
    )
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    nothing_changed(alice)


def test_an_unknown_worker_is_404(actions, alice, mallory, fund, worker_key, reply_key):
    fund(alice, 100 * DOT)
    response = submit(actions, alice, mallory, seal(worker_key, forecast_payload(reply_key)))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    nothing_changed(alice)


def test_a_pending_or_revoked_worker_takes_no_jobs(
    actions, alice, dave, fund, worker_key, reply_key
):
    fund(alice, 100 * DOT)
    fund(dave, 300 * DOT)
    register(actions, dave, capabilities=("tee",))
    ok(register_worker(actions, dave, worker_key), 201)
    sealed = seal(worker_key, forecast_payload(reply_key))
    pending = submit(actions, alice, dave, sealed)
    assert (pending.status_code, pending.json()["error"]["code"]) == (409, "invalid_state")

    approve(dave)
    services.revoke_tee_worker(
        TeeWorker.objects.get(wallet__public_key=dave.public_key).pk, reason="audit"
    )
    revoked = submit(actions, alice, dave, sealed)
    assert (revoked.status_code, revoked.json()["error"]["code"]) == (409, "invalid_state")
    nothing_changed(alice)


def test_a_worker_must_be_a_staked_tee_provider(actions, alice, dave, fund, worker_key, reply_key):
    fund(alice, 100 * DOT)
    fund(dave, 300 * DOT)
    ok(register_worker(actions, dave, worker_key), 201)
    approve(dave)
    sealed = seal(worker_key, forecast_payload(reply_key))
    unregistered = submit(actions, alice, dave, sealed)
    assert (unregistered.status_code, unregistered.json()["error"]["code"]) == (404, "not_found")

    register(actions, dave, capabilities=("gpu",))
    no_tee = submit(actions, alice, dave, sealed)
    assert (no_tee.status_code, no_tee.json()["error"]["code"]) == (409, "invalid_state")
    nothing_changed(alice)


def test_a_worker_cannot_take_its_own_job(actions, dave, fund, worker, worker_key, reply_key):
    response = submit(actions, dave, dave, seal(worker_key, forecast_payload(reply_key)))
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    assert ConfidentialJob.objects.count() == 0
