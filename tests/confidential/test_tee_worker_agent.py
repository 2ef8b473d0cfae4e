"""End to end with the real TEE worker: daphne on the test database, a real
`manage.py tee_worker --uri //Dave` process. It registers, staff approve it, alice seals
a builtin:forecast job to its key with a reply key, the worker opens, runs, seals and
attests, the job settles; alice opens the forecast with her reply key."""

import base64
import json

import pytest
from nacl.public import PrivateKey, PublicKey, SealedBox

from marketplace.agents import runners
from marketplace.confidential.models import TeeWorker
from tests import stack
from tests.agents.conftest import HOUR, MIDNIGHT, client_for, traffic
from tests.agents.test_provider_agent import assert_forecast_is_right, dot, faucet, until
from tests.confidential.conftest import approve
from tests.conftest import DOT
from tests.jobs.market import deadline_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BUDGET = 2 * DOT
FEE = BUDGET * 250 // 10_000
STAKE = 200 * DOT


@pytest.fixture
def server(transactional_db):
    with stack.web_server("confidential-web") as url:
        yield url


@pytest.fixture
def tee_worker(server, tmp_path):
    worker = ("tee_worker", "--uri", "//Dave", "--url", server, "--poll-seconds", "2")
    files = ("--key-file", str(tmp_path / "dave.key"), "--state-file", str(tmp_path / "dave.json"))
    with stack.running("confidential-tee-worker", "manage.py", *worker, *files) as running:
        yield running


def test_the_real_tee_worker_runs_a_sealed_forecast_and_gets_paid(server, tee_worker, dave):
    process, log_path = tee_worker
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

    reply_key = PrivateKey.generate()
    values = [round(float(v)) for v in traffic(72)]
    payload = {
        "model_ref": "builtin:forecast",
        "input": {"start": MIDNIGHT, "step_seconds": HOUR, "values": values, "horizon": 24},
        "reply_public_key": bytes(reply_key.public_key).hex(),
    }
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

    done = until(
        lambda: (
            (j := alice.get(f"/api/confidential-jobs/{job['id']}"))["status"] == "settled" and j
        ),
        timeout=60,
    )

    document = json.loads(SealedBox(reply_key).decrypt(base64.b64decode(done["encrypted_result"])))
    assert runners.result_hash(document) == done["result_hash"]
    assert_forecast_is_right(document)
    verdict = alice.get(f"/api/confidential-jobs/{job['id']}/attestation")
    assert (verdict["valid"], verdict["worker"]) == (True, dave.signer.address)
    assert dot(alice)["available"] == str(100 * DOT - BUDGET)
    assert dot(alice)["held"] == "0"
    assert dot(dave)["available"] == str(300 * DOT - STAKE + BUDGET - FEE)
    assert dot(dave)["staked"] == str(STAKE)
    from ledger.selectors import account_balance

    assert account_balance("DOT", "fees") == FEE
    process.terminate()
    assert process.wait(timeout=15) == 0
    log = log_path.read_text()
    assert "registered TEE worker" in log and f"confidential job {job['id']}: attested" in log
