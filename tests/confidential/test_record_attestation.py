"""record_attestation: a valid proof by the job's worker settles the job with exact
payouts; every other proof is refused and changes nothing. verify_attestation re-checks
the stored proof and reports a later revocation."""

import base64
import hashlib
import json

import pytest
from nacl.public import PublicKey, SealedBox

from marketplace.agents import runners
from marketplace.confidential import services
from marketplace.confidential.models import ConfidentialJob, TeeWorker
from marketplace.jobs.models import Job
from tests.confidential.conftest import BUDGET, attest, client_of, forecast_payload, seal, submit
from tests.conftest import DOT, balance
from tests.jobs.market import escrow, ok, stake, treasury

pytestmark = pytest.mark.django_db

FEE = BUDGET * 250 // 10_000
RESULT_HASH = "cd" * 32


def message(confidential: dict, result_hash: str = RESULT_HASH) -> str:
    return f"{confidential['id']}:{confidential['payload_hash']}:{result_hash}"


def snapshot(alice, dave, confidential: dict) -> tuple:
    job = Job.objects.get(pk=confidential["job_id"])
    row = ConfidentialJob.objects.get(pk=confidential["id"])
    return (
        balance(alice),
        balance(dave),
        treasury(),
        escrow(job.pk),
        job.status,
        job.history.count(),
        row.result_hash,
        row.attestation_proof,
        row.encrypted_result,
    )


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_round_trip_seals_opens_runs_and_attests_and_the_owner_opens_the_result(
    actions, alice, dave, confidential, worker_key, reply_key
):
    # The worker's side, as the TEE worker does it: read, check, open, run, seal, sign.
    listed = ok(client_of(actions, dave).get(f"/api/confidential-jobs?worker={dave.address}"))
    (item,) = listed["results"]
    assert (item["id"], item["status"]) == (confidential["id"], "assigned")
    sealed = base64.b64decode(item["encrypted_payload"])
    assert hashlib.sha256(sealed).hexdigest() == item["payload_hash"]
    payload = json.loads(SealedBox(worker_key).decrypt(sealed))
    document = runners.get(payload["model_ref"])(payload["input"])
    result_hash = runners.result_hash(document)
    reply = SealedBox(PublicKey(bytes.fromhex(payload["reply_public_key"])))
    encrypted_result = base64.b64encode(reply.encrypt(runners.canonical(document))).decode()
    params = {
        "result_hash": result_hash,
        "attestation_proof": dave.sign(message(item, result_hash)),
        "encrypted_result": encrypted_result,
    }

    answer = ok(attest(actions, dave, item["id"], params))

    assert (answer["status"], answer["result_hash"]) == ("settled", result_hash)
    # The owner reads the sealed result and opens it with the reply key.
    mine = ok(client_of(actions, alice).get(f"/api/confidential-jobs/{item['id']}"))
    opened = json.loads(SealedBox(reply_key).decrypt(base64.b64decode(mine["encrypted_result"])))
    assert opened == document and opened["model_ref"] == "builtin:forecast"
    assert len(opened["forecast"]) == 6
    assert runners.result_hash(opened) == mine["result_hash"] == result_hash
    verdict = ok(client_of(actions, None).get(f"/api/confidential-jobs/{item['id']}/attestation"))
    assert (verdict["valid"], verdict["worker"], verdict["result_hash"]) == (
        True,
        dave.address,
        result_hash,
    )
    assert verdict["verified_at"] is not None and not verdict["revoked"]


def test_a_valid_attestation_pays_the_worker_the_budget_minus_the_fee(
    actions, alice, dave, confidential
):
    ok(
        attest(
            actions,
            dave,
            confidential["id"],
            {
                "result_hash": RESULT_HASH,
                "attestation_proof": dave.sign(message(confidential)),
            },
        )
    )

    assert balance(alice) == 100 * DOT - BUDGET
    assert balance(dave) == 100 * DOT + BUDGET - FEE
    assert stake(dave) == 200 * DOT
    assert treasury() == FEE
    assert escrow(confidential["job_id"]) == 0
    job = Job.objects.get(pk=confidential["job_id"])
    assert (job.status, job.escrow_state, job.result_hash) == ("settled", "released", RESULT_HASH)
    assert [e.status for e in job.history.all()] == [
        "registered",
        "assigned",
        "completed",
        "settled",
    ]
    assert job.assigned_provider.jobs_completed == 1


def test_a_proof_signed_over_bytes_wrapping_is_accepted(actions, dave, confidential):
    proof = dave.sign(message(confidential), wrap=True)
    answer = attest(
        actions,
        dave,
        confidential["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": proof,
        },
    )
    assert ok(answer)["status"] == "settled"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c, dave, mallory: mallory.sign(message(c)), id="wrong-signer"),
        pytest.param(
            lambda c, dave, mallory: dave.sign(message(c, "ef" * 32)), id="wrong-result-hash"
        ),
        pytest.param(
            lambda c, dave, mallory: dave.sign(f"{c['id'] + 1}:{c['payload_hash']}:{RESULT_HASH}"),
            id="another-job",
        ),
        pytest.param(
            lambda c, dave, mallory: dave.sign(f"{c['id']}:{'00' * 32}:{RESULT_HASH}"),
            id="another-payload",
        ),
        pytest.param(lambda c, dave, mallory: "0x" + "00" * 64, id="garbage-signature"),
    ],
)
def test_an_invalid_proof_is_refused_and_changes_nothing(
    actions, alice, dave, mallory, confidential, forge
):
    before = snapshot(alice, dave, confidential)
    response = attest(
        actions,
        dave,
        confidential["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": forge(confidential, dave, mallory),
        },
    )
    assert error(response) == (400, "invalid_params")
    assert response.json()["error"]["fields"] == {"attestation_proof": "does not verify"}
    assert snapshot(alice, dave, confidential) == before


def test_a_signature_for_another_job_does_not_settle_this_one(
    actions, alice, dave, confidential, worker_key, reply_key
):
    other = ok(submit(actions, alice, dave, seal(worker_key, forecast_payload(reply_key))), 201)
    before = snapshot(alice, dave, other)
    # A genuine proof for the first job, posted for the second.
    response = attest(
        actions,
        dave,
        other["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": dave.sign(message(confidential)),
        },
    )
    assert error(response) == (400, "invalid_params")
    assert snapshot(alice, dave, other) == before


def test_only_the_jobs_worker_may_attest(actions, alice, dave, mallory, confidential):
    before = snapshot(alice, dave, confidential)
    response = attest(
        actions,
        mallory,
        confidential["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": mallory.sign(message(confidential)),
        },
    )
    assert error(response) == (403, "forbidden")
    assert snapshot(alice, dave, confidential) == before


def test_a_revoked_worker_cannot_attest(actions, alice, dave, confidential):
    services.revoke_tee_worker(
        TeeWorker.objects.get(wallet__public_key=dave.public_key).pk, reason="quote mismatch"
    )
    before = snapshot(alice, dave, confidential)
    response = attest(
        actions,
        dave,
        confidential["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": dave.sign(message(confidential)),
        },
    )
    assert error(response) == (409, "invalid_state")
    assert snapshot(alice, dave, confidential) == before


def test_a_replayed_attestation_pays_once(actions, alice, dave, confidential):
    params = {"result_hash": RESULT_HASH, "attestation_proof": dave.sign(message(confidential))}
    envelope = dave.envelope("record_attestation", {"job_id": confidential["id"], **params})
    url = f"/api/confidential-jobs/{confidential['id']}/attestation"
    first = actions.client.post(url, envelope, format="json")
    assert first.status_code == 200
    after = snapshot(alice, dave, confidential)

    # The same envelope again is answered from the audit trail (nothing runs) …
    again = actions.client.post(url, envelope, format="json")
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    # … and the same proof under a new nonce finds the job settled.
    fresh = attest(actions, dave, confidential["id"], params)
    assert error(fresh) == (409, "invalid_state")
    assert snapshot(alice, dave, confidential) == after
    assert balance(dave) == 100 * DOT + BUDGET - FEE


def test_an_attestation_after_the_deadline_is_refused(actions, alice, dave, confidential):
    from django.utils import timezone

    Job.objects.filter(pk=confidential["job_id"]).update(deadline=timezone.now())
    before = snapshot(alice, dave, confidential)
    response = attest(
        actions,
        dave,
        confidential["id"],
        {
            "result_hash": RESULT_HASH,
            "attestation_proof": dave.sign(message(confidential)),
        },
    )
    assert error(response) == (409, "deadline_passed")
    assert snapshot(alice, dave, confidential) == before


def test_the_url_id_must_match_the_params(actions, dave, confidential):
    response = actions.post(
        f"/api/confidential-jobs/{confidential['id']}/attestation",
        dave,
        "record_attestation",
        {
            "job_id": confidential["id"] + 1,
            "result_hash": RESULT_HASH,
            "attestation_proof": dave.sign(message(confidential)),
        },
    )
    assert error(response) == (400, "invalid_params")


@pytest.mark.parametrize(
    "bad",
    [
        {"result_hash": "CD" * 32},
        {"result_hash": "cd" * 31},
        {"attestation_proof": "0x1234"},
        {"attestation_proof": "ab" * 64},
        {"encrypted_result": "not base64!"},
        {"encrypted_result": base64.b64encode(b"short").decode()},
    ],
    ids=["upper-hash", "short-hash", "short-proof", "no-0x", "result-not-b64", "result-short"],
)
def test_malformed_attestation_params_are_400(actions, alice, dave, confidential, bad):
    before = snapshot(alice, dave, confidential)
    params = {
        "result_hash": RESULT_HASH,
        "attestation_proof": dave.sign(message(confidential)),
        **bad,
    }
    assert error(attest(actions, dave, confidential["id"], params)) == (400, "invalid_params")
    assert snapshot(alice, dave, confidential) == before


def test_verify_attestation_reports_a_worker_revoked_after_the_fact(actions, dave, confidential):
    anyone = client_of(actions, None)
    url = f"/api/confidential-jobs/{confidential['id']}/attestation"
    before = ok(anyone.get(url))
    assert (before["valid"], before["attested"], before["result_hash"]) == (False, False, None)

    ok(
        attest(
            actions,
            dave,
            confidential["id"],
            {
                "result_hash": RESULT_HASH,
                "attestation_proof": dave.sign(message(confidential)),
            },
        )
    )
    assert ok(anyone.get(url))["valid"] is True

    services.revoke_tee_worker(
        TeeWorker.objects.get(wallet__public_key=dave.public_key).pk, reason="operator compromised"
    )
    after = ok(anyone.get(url))
    assert (after["valid"], after["signature_valid"], after["revoked"]) == (False, True, True)
    assert after["revoked_at"] is not None and after["result_hash"] == RESULT_HASH


def test_verify_attestation_rechecks_the_stored_proof(actions, dave, confidential):
    ok(
        attest(
            actions,
            dave,
            confidential["id"],
            {
                "result_hash": RESULT_HASH,
                "attestation_proof": dave.sign(message(confidential)),
            },
        )
    )
    # A tampered row (say, a restored backup) no longer verifies.
    ConfidentialJob.objects.filter(pk=confidential["id"]).update(result_hash="ef" * 32)
    verdict = ok(
        client_of(actions, None).get(f"/api/confidential-jobs/{confidential['id']}/attestation")
    )
    assert (verdict["valid"], verdict["signature_valid"]) == (False, False)


def test_verify_attestation_of_an_unknown_job_is_404(api):
    assert error(api.get("/api/confidential-jobs/999999/attestation")) == (404, "not_found")


def test_a_worker_that_could_not_run_the_job_is_paid_nothing_and_the_owner_is_refunded(
    actions, alice, dave, confidential, worker_key, reply_key
):
    # The worker's side as the TEE worker agent does it, on a model nobody runs: the
    # sealed document says why, and the attestation says it is an error.
    from marketplace.agents import tee
    from marketplace.agents.client import Signer

    item = ConfidentialJob.objects.get(pk=confidential["id"])
    payload = {**forecast_payload(reply_key), "model_ref": "builtin:nope"}
    item.encrypted_payload = seal(worker_key, payload)
    item.payload_hash = tee.payload_hash(item.encrypted_payload)
    item.save(update_fields=["encrypted_payload", "payload_hash"])
    params = tee.attest(worker_key, Signer.from_uri("//Dave"), item.pk, item.encrypted_payload)
    assert params["outcome"] == "error"

    answer = ok(attest(actions, dave, item.pk, params))

    assert (answer["status"], answer["outcome"]) == ("cancelled", "error")
    assert (balance(alice), balance(dave), treasury()) == (100 * DOT, 100 * DOT, 0)
    assert (stake(dave), escrow(confidential["job_id"])) == (200 * DOT, 0)
    job = Job.objects.get(pk=confidential["job_id"])
    assert (job.escrow_state, job.result_hash) == ("refunded", params["result_hash"])
    assert job.assigned_provider.jobs_completed == 0
    # The owner still opens the sealed document that says what went wrong.
    row = ConfidentialJob.objects.get(pk=item.pk)
    opened = json.loads(SealedBox(reply_key).decrypt(base64.b64decode(row.encrypted_result)))
    assert opened == {"model_ref": "builtin:nope", "error": "unknown model_ref"}
    # Attesting again (say, as a success) finds the job closed.
    again = {**params, "outcome": "success"}
    assert error(attest(actions, dave, item.pk, again)) == (409, "invalid_state")
