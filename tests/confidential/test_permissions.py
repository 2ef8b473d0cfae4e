"""Only the owner and the worker read a confidential job's ciphertexts; a worker lists
only its own jobs; mallory reads nothing."""

import pytest

from marketplace.core.models import OutboxEvent
from marketplace.jobs.models import Job
from tests.confidential.conftest import attest, client_of
from tests.jobs.market import ok

pytestmark = pytest.mark.django_db


def test_the_owner_and_the_worker_read_the_ciphertext(actions, alice, dave, confidential):
    for party in (alice, dave):
        job = ok(client_of(actions, party).get(f"/api/confidential-jobs/{confidential['id']}"))
        assert job["payload_hash"] == confidential["payload_hash"]
        assert job["encrypted_payload"] and job["status"] == "assigned"
        assert (job["owner"], job["worker"]) == (alice.address, dave.address)


def test_mallory_cannot_read_the_ciphertext(actions, mallory, confidential):
    response = client_of(actions, mallory).get(f"/api/confidential-jobs/{confidential['id']}")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    assert "encrypted_payload" not in response.content.decode()


def test_an_anonymous_reader_must_sign_in(actions, confidential):
    anonymous = client_of(actions, None)
    for url in (f"/api/confidential-jobs/{confidential['id']}", "/api/confidential-jobs"):
        response = anonymous.get(url)
        assert (response.status_code, response.json()["error"]["code"]) == (
            401,
            "not_authenticated",
        )


def test_an_unknown_job_is_404(actions, alice):
    response = client_of(actions, alice).get("/api/confidential-jobs/999999")
    assert response.status_code == 404


def test_a_worker_lists_only_its_own_jobs(actions, alice, dave, mallory, confidential):
    mine = ok(client_of(actions, dave).get(f"/api/confidential-jobs?worker={dave.address}"))
    assert [item["id"] for item in mine["results"]] == [confidential["id"]]
    assert mine["count"] == 1 and "next" in mine

    spying = client_of(actions, mallory).get(f"/api/confidential-jobs?worker={dave.address}")
    assert (spying.status_code, spying.json()["error"]["code"]) == (403, "forbidden")
    bad = client_of(actions, dave).get("/api/confidential-jobs?worker=nope")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_params")


def test_the_owner_lists_their_jobs_and_mallory_sees_none(actions, alice, mallory, confidential):
    owned = ok(client_of(actions, alice).get("/api/confidential-jobs"))
    assert [item["id"] for item in owned["results"]] == [confidential["id"]]
    assert ok(client_of(actions, mallory).get("/api/confidential-jobs"))["results"] == []


def test_mallory_cannot_attest_or_read_the_sealed_result(actions, dave, mallory, confidential):
    from tests.confidential.test_record_attestation import RESULT_HASH, message

    ok(
        attest(
            actions,
            dave,
            confidential["id"],
            {
                "result_hash": RESULT_HASH,
                "attestation_proof": dave.sign(message(confidential)),
                "encrypted_result": "A" * 64,
            },
        )
    )
    response = client_of(actions, mallory).get(f"/api/confidential-jobs/{confidential['id']}")
    assert response.status_code == 403
    # The public verdict never carries ciphertext.
    verdict = ok(
        client_of(actions, mallory).get(f"/api/confidential-jobs/{confidential['id']}/attestation")
    )
    assert "encrypted_result" not in verdict and verdict["valid"] is True


@pytest.mark.parametrize(
    "url, action, params",
    [
        ("/api/jobs/{job}/start", "mark_in_progress", {}),
        (
            "/api/jobs/{job}/result",
            "submit_result",
            {"result_ref": "r", "result_hash": "ab" * 32},
        ),
    ],
)
def test_the_worker_cannot_deliver_a_confidential_job_by_hand(
    actions, dave, confidential, url, action, params
):
    job_id = confidential["job_id"]
    response = actions.post(url.format(job=job_id), dave, action, {"job_id": job_id, **params})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")
    assert Job.objects.get(pk=job_id).status == "assigned"


def test_a_confidential_job_is_not_announced_to_other_tee_providers(confidential):
    assert not OutboxEvent.objects.filter(type="job.opened").exists()
