"""End to end with the real TEE worker: the web server on the test database, a real
`manage.py tee_worker --uri //Dave` process. It registers, staff approve it, alice seals
a builtin:forecast job (or inputs for a public ONNX model) to its key with a reply key,
the worker opens, runs, seals and attests, the job settles; alice opens the result with
her reply key."""

import base64
import json

import numpy as np
import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox

from marketplace.agents import runners
from marketplace.confidential.models import TeeWorker
from tests import stack
from tests.agents.conftest import HOUR, MIDNIGHT, client_for, traffic, upload
from tests.agents.test_provider_agent import assert_forecast_is_right, dot, faucet, until
from tests.confidential.conftest import approve
from tests.conftest import DOT
from tests.jobs.market import deadline_in
from tests.onnx_models import matmul_add

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BUDGET = 2 * DOT
FEE = BUDGET * 250 // 10_000
STAKE = 200 * DOT


@pytest.fixture
def server(transactional_db, tmp_path):
    with stack.web_server("confidential-web", PM_ARTIFACT_DIR=str(tmp_path / "artifacts")) as url:
        yield url


@pytest.fixture
def tee_worker(server, tmp_path):
    worker = ("tee_worker", "--uri", "//Dave", "--url", server, "--poll-seconds", "2")
    files = ("--key-file", str(tmp_path / "dave.key"), "--state-file", str(tmp_path / "dave.json"))
    with stack.running("confidential-tee-worker", "manage.py", *worker, *files) as running:
        yield running


@pytest.fixture
def approved_worker(server, tee_worker, dave):
    """Alice with 100 DOT; dave's worker registered by the real process, a tee provider
    with stake, approved by staff. (alice, dave, the worker as alice lists it)."""
    persona = dave
    alice, dave = client_for(server, "//Alice"), client_for(server, "//Dave")
    faucet(alice, 100 * DOT)
    faucet(dave, 300 * DOT)
    # The worker is a tee compute provider with stake (docs/CONFIDENTIAL.md).
    dave.post_action(
        "/api/providers",
        "register_provider",
        {
            "name": "dave tee",
            "capabilities": ["tee"],
            "regions": ["eu-west"],
            "pricing": {},
            "stake": str(STAKE),
        },
    )
    until(lambda: TeeWorker.objects.filter(wallet__public_key=persona.public_key).exists())
    approve(persona)
    (worker,) = alice.get("/api/tee-workers")["results"]
    assert worker["address"] == dave.signer.address
    return alice, dave, worker


def sealed_job(alice, worker: dict, payload: dict) -> dict:
    """Alice's confidential job with `payload` sealed to the worker, left to settle."""
    box = SealedBox(PublicKey(bytes.fromhex(worker["encryption_public_key"])))
    sealed = base64.b64encode(box.encrypt(json.dumps(payload).encode())).decode()
    job, _ = alice.post_action(
        "/api/confidential-jobs",
        "submit_confidential_job",
        {
            "worker": worker["address"],
            "encrypted_payload": sealed,
            "asset": "DOT",
            "budget": str(BUDGET),
            "deadline": deadline_in(3600),
        },
    )
    return until(
        lambda: (
            (j := alice.get(f"/api/confidential-jobs/{job['id']}"))["status"] == "settled" and j
        ),
        timeout=60,
    )


def assert_paid(alice, dave) -> None:
    assert dot(alice)["available"] == str(100 * DOT - BUDGET)
    assert dot(alice)["held"] == "0"
    assert dot(dave)["available"] == str(300 * DOT - STAKE + BUDGET - FEE)
    assert dot(dave)["staked"] == str(STAKE)
    from ledger.selectors import account_balance

    assert account_balance("DOT", "fees") == FEE


def test_the_real_tee_worker_runs_a_sealed_forecast_and_gets_paid(tee_worker, approved_worker):
    process, log_path = tee_worker
    alice, dave, worker = approved_worker
    reply_key = PrivateKey.generate()
    values = [round(float(v)) for v in traffic(72)]
    payload = {
        "model_ref": "builtin:forecast",
        "input": {"start": MIDNIGHT, "step_seconds": HOUR, "values": values, "horizon": 24},
        "reply_public_key": bytes(reply_key.public_key).hex(),
    }
    done = sealed_job(alice, worker, payload)

    document = json.loads(SealedBox(reply_key).decrypt(base64.b64decode(done["encrypted_result"])))
    assert runners.result_hash(document) == done["result_hash"]
    assert_forecast_is_right(document)
    verdict = alice.get(f"/api/confidential-jobs/{done['id']}/attestation")
    assert (verdict["valid"], verdict["worker"]) == (True, dave.signer.address)
    assert_paid(alice, dave)
    process.terminate()
    assert process.wait(timeout=15) == 0
    log = log_path.read_text()
    assert "registered TEE worker" in log and f"confidential job {done['id']}: attested" in log


def test_the_real_tee_worker_runs_a_public_onnx_model_on_sealed_inputs(tee_worker, approved_worker):
    alice, dave, worker = approved_worker
    model, W, b = matmul_add()
    # The model is public; the inputs travel only inside the sealed payload.
    model_cid = upload(alice, model, visibility="public")
    reply_key = PrivateKey.generate()
    x = [[0.25, -2.0, 1.5]]
    payload = {
        "model_ref": f"onnx:{model_cid}",
        "input": {"inputs": {"x": x}},
        "reply_public_key": bytes(reply_key.public_key).hex(),
    }
    done = sealed_job(alice, worker, payload)

    document = json.loads(SealedBox(reply_key).decrypt(base64.b64decode(done["encrypted_result"])))
    assert runners.result_hash(document) == done["result_hash"]
    expected = np.asarray(x, np.float32) @ W + b
    assert np.allclose(document["outputs"]["y"], expected, rtol=0, atol=1e-5)
    assert "-2.0" not in json.dumps(alice.get(f"/api/confidential-jobs/{done['id']}"))
    assert_paid(alice, dave)
