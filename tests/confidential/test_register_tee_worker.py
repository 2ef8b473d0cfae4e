"""register_tee_worker → pending; staff approve or revoke; only approved workers are
listed; /api/me carries the worker's section."""

import pytest

from marketplace.confidential import services
from marketplace.confidential.models import TeeWorker
from marketplace.core.errors import InvalidParams, InvalidState
from tests.confidential.conftest import approve, client_of, register_worker
from tests.jobs.market import ok

pytestmark = pytest.mark.django_db


def worker_of(signer) -> TeeWorker:
    return TeeWorker.objects.get(wallet__public_key=signer.public_key)


def test_a_registered_worker_is_pending_and_not_listed(actions, api, dave, worker_key):
    worker = ok(register_worker(actions, dave, worker_key), 201)

    assert (worker["address"], worker["status"]) == (dave.address, "pending")
    assert worker["encryption_public_key"] == bytes(worker_key.public_key).hex()
    assert ok(api.get("/api/tee-workers"))["results"] == []


def test_an_approved_worker_is_listed_with_its_key_and_a_revoked_one_is_not(
    actions, api, dave, worker_key
):
    ok(register_worker(actions, dave, worker_key), 201)
    approve(dave)
    (listed,) = ok(api.get("/api/tee-workers"))["results"]
    assert (listed["address"], listed["status"]) == (dave.address, "approved")
    assert listed["encryption_public_key"] == bytes(worker_key.public_key).hex()
    assert "attestation_report" not in listed  # kept for staff

    services.revoke_tee_worker(worker_of(dave).pk, reason="key leaked")
    assert ok(api.get("/api/tee-workers"))["results"] == []


def test_me_shows_the_tee_worker_section(actions, dave, alice, worker_key):
    ok(register_worker(actions, dave, worker_key), 201)
    me = ok(client_of(actions, dave).get("/api/me"))
    assert me["tee_worker"]["status"] == "pending"
    assert me["tee_worker"]["encryption_public_key"] == bytes(worker_key.public_key).hex()
    assert "tee_worker" not in ok(client_of(actions, alice).get("/api/me"))


def test_an_uppercase_key_is_stored_lowercase(actions, dave, worker_key):
    key = bytes(worker_key.public_key).hex()
    response = actions.post(
        "/api/tee-workers",
        dave,
        "register_tee_worker",
        {"encryption_public_key": key.upper(), "attestation_report": "r"},
    )
    assert ok(response, 201)["encryption_public_key"] == key


def test_a_second_registration_is_a_duplicate(actions, dave, worker_key):
    ok(register_worker(actions, dave, worker_key), 201)
    response = register_worker(actions, dave, worker_key)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "duplicate")
    assert TeeWorker.objects.count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"encryption_public_key": "ab" * 31, "attestation_report": "r"},
        {"encryption_public_key": "zz" * 32, "attestation_report": "r"},
        {"encryption_public_key": "0x" + "ab" * 32, "attestation_report": "r"},
        {"encryption_public_key": 42, "attestation_report": "r"},
        {"encryption_public_key": "ab" * 32, "attestation_report": "x" * (16 * 1024 + 1)},
        {"encryption_public_key": "ab" * 32, "attestation_report": ""},
        {"encryption_public_key": "ab" * 32},
    ],
    ids=["short-key", "not-hex", "0x-key", "number", "oversized-report", "empty-report", "none"],
)
def test_malformed_registrations_are_400_and_store_nothing(actions, dave, params):
    response = actions.post("/api/tee-workers", dave, "register_tee_worker", params)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
    assert TeeWorker.objects.count() == 0


def test_staff_approve_only_pending_and_revoke_only_once(actions, dave, worker_key):
    ok(register_worker(actions, dave, worker_key), 201)
    worker = worker_of(dave)
    services.approve_tee_worker(worker.pk)
    with pytest.raises(InvalidState):
        services.approve_tee_worker(worker.pk)
    with pytest.raises(InvalidParams):
        services.revoke_tee_worker(worker.pk, reason=" ")
    services.revoke_tee_worker(worker.pk, reason="compromised")
    with pytest.raises(InvalidState):
        services.revoke_tee_worker(worker.pk, reason="again")
    with pytest.raises(InvalidState):
        services.approve_tee_worker(worker.pk)
    worker.refresh_from_db()
    assert (worker.status, worker.revocation_reason) == ("revoked", "compromised")


def test_the_admin_actions_approve_and_revoke(actions, admin_client, dave, worker_key):
    ok(register_worker(actions, dave, worker_key), 201)
    worker = worker_of(dave)
    url = "/admin/confidential/teeworker/"
    admin_client.post(url, {"action": "approve", "_selected_action": [worker.pk]})
    worker.refresh_from_db()
    assert worker.status == "approved"
    admin_client.post(
        url,
        {"action": "revoke", "_selected_action": [worker.pk], "apply": "1", "reason": "audit"},
    )
    worker.refresh_from_db()
    assert (worker.status, worker.revocation_reason) == ("revoked", "audit")
