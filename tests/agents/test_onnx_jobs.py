"""ONNX jobs run by a real `manage.py provider_agent` process: a MatMul + Add model
built here gives numpy's answer; a model that runs past the wall-clock limit or
allocates past the memory cap is stopped in its sandbox process and the job declined
with the reason. No mocks: onnxruntime runs in the agent's sandbox process."""

import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from marketplace.agents import runners
from marketplace.agents.demo_market import GALLERY
from tests import stack
from tests.agents.conftest import client_for, dot, faucet, until, upload
from tests.conftest import DOT
from tests.onnx_models import endless_loop, matmul_add, memory_hog

pytestmark = pytest.mark.slow

FEE_BPS = 250
LIMIT_SECONDS = 3
LIMIT_MB = 1024
X = [[0.5, -1.25, 2.0], [3.0, 0.0, -0.75]]


@pytest.fixture
def market(server):
    """Alice with 100 DOT, Bob with 200 DOT (the agent stakes 100 of them)."""
    alice, bob = client_for(server, "//Alice"), client_for(server, "//Bob")
    faucet(alice, 100 * DOT)
    faucet(bob, 200 * DOT)
    return alice, bob


@pytest.fixture
def agent_process(server, market, tmp_path):
    agent = ("provider_agent", "--uri", "//Bob", "--url", server, "--poll-seconds", "2")
    limits = ("--max-seconds", str(LIMIT_SECONDS), "--max-memory-mb", str(LIMIT_MB))
    state = ("--state-file", str(tmp_path / "bob.json"))
    with stack.running("agents-onnx-provider", "manage.py", *agent, *limits, *state) as running:
        yield running


def assigned_onnx_job(alice, model: bytes, inputs: dict) -> dict:
    """Alice uploads `model` (private) and the inputs (a JSON artifact), posts the job,
    and assigns it to the agent's bid."""
    model_cid = upload(alice, model)
    document = json.dumps({"inputs": inputs}).encode()
    inputs_cid = upload(alice, document, media_type="application/json")
    deadline = datetime.now(UTC) + timedelta(hours=1)
    job, _ = alice.post_action(
        "/api/jobs",
        "submit_job",
        {
            "model_ref": f"onnx:{model_cid}",
            "data_ref": inputs_cid,
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(2 * DOT),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privacy_required": False,
        },
    )
    bid = until(lambda: alice.get(f"/api/jobs/{job['id']}")["bids"])[0]
    alice.post_action(
        f"/api/jobs/{job['id']}/assign",
        "assign_provider",
        {"job_id": job["id"], "bid_id": bid["id"]},
    )
    return job


def test_the_agent_runs_a_matmul_add_model_and_its_outputs_are_numpys(market, agent_process):
    alice, bob = market
    process, log_path = agent_process
    min_stake = int(alice.config()["min_stake"])
    price = int(alice.config()["min_budget"]["DOT"])
    model, W, b = matmul_add()

    job = assigned_onnx_job(alice, model, {"x": X})
    until(lambda: alice.get(f"/api/jobs/{job['id']}")["status"] == "completed")
    result = alice.get(f"/api/jobs/{job['id']}/result")
    alice.post_action(f"/api/jobs/{job['id']}/accept", "accept_result", {"job_id": job["id"]})

    document = result["result_content"]
    assert runners.result_hash(document) == result["result_hash"]
    assert list(document) == ["outputs"]
    expected = np.asarray(X, np.float32) @ W + b
    assert np.allclose(document["outputs"]["y"], expected, rtol=0, atol=1e-5)
    fee = price * FEE_BPS // 10_000
    assert (dot(alice)["available"], dot(alice)["held"]) == (str(100 * DOT - price), "0")
    assert dot(bob)["available"] == str(200 * DOT - min_stake + price - fee)
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert f"job {job['id']}: ran sha256:" in log_path.read_text()


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        (endless_loop, f"stopped after {LIMIT_SECONDS} s: the wall-clock limit"),
        # 2^30 floats are 4 GiB: past the cap, well within this machine's memory.
        (lambda: memory_hog(2**30), f"ran out of memory (the limit is {LIMIT_MB} MiB)"),
    ],
    ids=["loops", "allocates"],
)
def test_a_model_that_fails_at_run_time_is_stopped_and_the_job_declined_with_why(
    market, agent_process, model, reason
):
    alice, bob = market
    process, log_path = agent_process
    min_stake = int(alice.config()["min_stake"])
    price = int(alice.config()["min_budget"]["DOT"])

    job = assigned_onnx_job(alice, model(), {"x": [1.0]})
    detail = until(
        lambda: (d := alice.get(f"/api/jobs/{job['id']}"))["status"] == "registered" and d
    )

    (decline,) = [entry for entry in detail["history"] if entry.get("declined_by")]
    assert decline["declined_by"] == bob.signer.address
    assert reason in decline["reason"]
    assert "in_progress" not in [entry["status"] for entry in detail["history"]]
    # Declined before the start: the job waits for another provider at the agreed price,
    # still held; the agent keeps its whole stake.
    assert (dot(alice)["available"], dot(alice)["held"]) == (str(100 * DOT - price), str(price))
    assert (dot(bob)["staked"], dot(bob)["available"]) == (
        str(min_stake),
        str(200 * DOT - min_stake),
    )
    assert f"job {job['id']}: declined: {reason}" in log_path.read_text()
    assert process.poll() is None  # the agent itself lives on


def test_the_demo_market_runs_the_gallery_models_on_the_sensors_last_day(server, agent_process):
    from marketplace.agents.demo_market import DemoMarket
    from marketplace.core.demo import BUYER, uri
    from marketplace.datanft import demo

    demo.sensor(io.StringIO())
    demo.model_gallery(io.StringIO())
    demo.model_gallery(io.StringIO())  # load_demo again: the same bytes, no new model
    buyer = client_for(server, uri(BUYER))  # the demo market signs as its own buyer
    faucet(buyer, 100 * DOT)
    assert buyer.get("/api/artifacts", media_type="application/onnx")["count"] == 2
    demo_market = DemoMarket(server)

    outputs = {}
    for _ in GALLERY:
        demo_market.post_job()
        job = buyer.get_all("/api/jobs", owner=buyer.signer.address, status="registered")[0]
        bid = until(lambda job=job: buyer.get(f"/api/jobs/{job['id']}")["bids"])[0]
        buyer.post_action(
            f"/api/jobs/{job['id']}/assign",
            "assign_provider",
            {"job_id": job["id"], "bid_id": bid["id"]},
        )
        until(lambda job=job: buyer.get(f"/api/jobs/{job['id']}")["status"] == "completed")
        outputs |= buyer.get(f"/api/jobs/{job['id']}/result")["result_content"]["outputs"]
        demo_market.review_results()
        assert buyer.get(f"/api/jobs/{job['id']}")["status"] == "settled"

    (forecast,) = outputs["forecast"]
    assert len(forecast) == 24 and min(forecast) >= 0 and 300 < max(forecast) < 1000
    assert len(outputs["score"][0]) == len(outputs["anomaly"][0]) == 24
    assert all(isinstance(flag, bool) for flag in outputs["anomaly"][0])
