"""An ONNX job end to end, and the provider agent's runtime overhead next to calling
onnxruntime directly, in the same run.

The model: an MLP built here with onnx.helper, x[32, 64] → 2048 → 2048 → 16 (ReLU),
about 280 MFLOP: ~10 ms on one core of this machine. Its input (2,048 floats, ~40 KB
of JSON) is a JSON artifact, as inputs of that size must be.

1. Bare: `InferenceSession.run` on a session made once (one thread, all graph
   optimisations: the options the sandbox uses), RUNS times; the median.
2. Sandbox: `onnx_runner.Sandbox.run` in this process with the model loaded (what
   the agent calls per job: the input check against the signature, JSON lists →
   arrays, the pipe to the sandbox process, the run, arrays → JSON lists); the median.
   The first call (fork + load) is printed apart.
3. End to end: daphne and a real `manage.py provider_agent` process on the bench
   database. JOBS times: //Alice submits the job over HTTP, assigns the agent's bid as
   soon as its `job.bid` event arrives on her `/ws/events/` socket (the bid window is
   not waited for), and accepts the result when `job.status` says completed:
   submit → settled. The agent's own log gives its
   run time per job (the sandbox call) and the time it took to fetch the inputs.

The last line is `ratio: <agent run / bare run>`: the medians of the agent's runs (its
first job, which loads the model, excluded) and of bare runs timed between the jobs
(5 after each), so that both see the same load; the goal is ≤ 1.5.

    .venv/bin/python bench/onnx_job.py      # BENCH_DATABASE_URL, BENCH_RUNS (50), BENCH_JOBS (10)
"""

import hashlib
import itertools
import json
import os
import re
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from _django import setup

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
JOBS = int(os.environ.get("BENCH_JOBS", "10"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
UNLIMITED = "100000000/minute"
RATES = {
    name: UNLIMITED for name in ("PM_RATE_IP", "PM_RATE_ADDRESS", "PM_RATE_LOGIN", "PM_RATE_FAUCET")
}
BATCH, FEATURES, HIDDEN, OUTPUTS = 32, 64, 2048, 16
RAN = re.compile(r"job (\d+): ran \S+ in ([\d.]+) ms \(inputs fetched in ([\d.]+) ms\)")


def mlp() -> bytes:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)
    sizes = [FEATURES, HIDDEN, HIDDEN, OUTPUTS]
    nodes, weights, previous = [], [], "x"
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        W = (rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
        weights.append(numpy_helper.from_array(W, f"W{layer}"))
        nodes.append(helper.make_node("MatMul", [previous, f"W{layer}"], [f"z{layer}"]))
        previous = f"z{layer}"
        if layer < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [previous], [f"h{layer}"]))
            previous = f"h{layer}"
    nodes.append(helper.make_node("Identity", [previous], ["y"]))
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", FEATURES])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", OUTPUTS])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def median_ms(seconds: list[float]) -> float:
    return 1000 * statistics.median(seconds)


def bare_session(model: bytes):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def timed_runs(session, x: np.ndarray, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, {"x": x})
        times.append(time.perf_counter() - started)
    return times


def in_sandbox(model: bytes, inputs: dict) -> tuple[float, list[float]]:
    from marketplace.agents.onnx_runner import DEFAULT_LIMITS, Sandbox

    cid = "sha256:" + hashlib.sha256(model).hexdigest()
    sandbox = Sandbox(DEFAULT_LIMITS)
    sandbox.start()
    try:
        started = time.perf_counter()
        sandbox.run(cid, lambda: model, inputs)
        first = time.perf_counter() - started
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            sandbox.run(cid, lambda: model, inputs)
            times.append(time.perf_counter() - started)
    finally:
        sandbox.close()
    return first, times


def store(owner, name: str, data: bytes, media_type: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from marketplace.artifacts import services

    artifact, _ = services.upload_artifact(
        owner,
        name=name,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        visibility="private",
        content=SimpleUploadedFile(name, data),
    )
    return artifact.cid


def until(check, timeout: float = 60, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError


def event(listener, kind: str, job_id: int, **match) -> dict:
    """The data of the next `kind` event about the job (others are skipped)."""
    while True:
        received = listener.events.get(timeout=60)
        data = received.get("data") or {}
        wanted = received["type"] == kind and data.get("job_id") == job_id
        if wanted and all(data.get(key) == value for key, value in match.items()):
            return data


def end_to_end(
    model: bytes, inputs: dict, artifacts: str, baseline
) -> tuple[list[float], str, list[float]]:
    """(submit → settled per job, the agent's log, bare runs timed between the jobs)."""
    from django.db import transaction

    from ledger import services as ledger
    from marketplace.agents.client import Client, Signer
    from marketplace.wallets.models import Wallet
    from tests.stack import running, web_server

    alice, bob = Signer.from_uri("//Alice"), Signer.from_uri("//Bob")
    wallets = {}
    for signer in (alice, bob):
        key = signer.keypair.public_key.hex()
        wallets[signer] = Wallet.objects.get_or_create(public_key=key)[0]
        # The bench database keeps wallets between runs: top up what a run spends.
        top_up = f"bench:onnx:{key}:{time.time_ns()}"
        with transaction.atomic():
            ledger.deposit(key, "DOT", 10**15, kind="bench", reference="bench", key=top_up)
    model_cid = store(wallets[alice], "mlp.onnx", model, "application/onnx")
    inputs_cid = store(
        wallets[alice], "inputs.json", json.dumps({"inputs": inputs}).encode(), "application/json"
    )
    env = {"REDIS_URL": REDIS_URL, "PM_ARTIFACT_DIR": artifacts, **RATES}
    with web_server("bench-onnx-web", **env) as url:
        agent = ("provider_agent", "--uri", "//Bob", "--url", url, "--poll-seconds", "5")
        state = ("--state-file", os.path.join(artifacts, "bob.json"))
        with running("bench-onnx-agent", "manage.py", *agent, *state, **env) as (_, log_path):
            client = Client(url, alice)
            until(lambda: "registered" in log_path.read_text())
            stop = threading.Event()
            listener = client.listen(stop=stop)
            times, between = [], []
            for _ in range(JOBS):
                deadline = datetime.now(UTC) + timedelta(hours=1)
                started = time.perf_counter()
                job, _ = client.post_action(
                    "/api/jobs",
                    "submit_job",
                    {
                        "model_ref": f"onnx:{model_cid}",
                        "data_ref": inputs_cid,
                        "compute_type": "cpu",
                        "asset": "DOT",
                        "budget": str(10**10),
                        "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "privacy_required": False,
                    },
                )
                path = f"/api/jobs/{job['id']}"
                bid = event(listener, "job.bid", job["id"])["bid"]
                client.post_action(
                    f"{path}/assign", "assign_provider", {"job_id": job["id"], "bid_id": bid["id"]}
                )
                event(listener, "job.status", job["id"], status="completed")
                client.post_action(f"{path}/accept", "accept_result", {"job_id": job["id"]})
                times.append(time.perf_counter() - started)
                assert client.get(path)["status"] == "settled"
                # The machine's load changes by the second: the baseline is re-taken
                # between the jobs, so that both are measured under the same load.
                between += baseline(5)
            stop.set()
            return times, log_path.read_text(), between


def main() -> None:
    # One store for every run: the bench database keeps the artifact rows between runs.
    artifacts = os.path.join(tempfile.gettempdir(), "polkamesh-bench-onnx")
    os.environ["PM_ARTIFACT_DIR"] = artifacts  # this process stores what the server serves
    setup()
    model = mlp()
    x = np.random.default_rng(4).normal(size=(BATCH, FEATURES)).astype(np.float32)
    inputs = {"x": x.tolist()}
    shape = f"{FEATURES}→{HIDDEN}→{HIDDEN}→{OUTPUTS}"
    print(f"model: MLP {shape}, batch {BATCH}, {len(model) / 1e6:.1f} MB")

    session = bare_session(model)
    session.run(None, {"x": x})
    bare_ms = median_ms(timed_runs(session, x, RUNS))
    print(f"bare InferenceSession.run: median {bare_ms:.2f} ms over {RUNS}")
    first, warm = in_sandbox(model, inputs)
    sandbox_ms = median_ms(warm)
    print(
        f"Sandbox.run in this process: first {1000 * first:.1f} ms (fork + load), "
        f"then median {sandbox_ms:.2f} ms over {RUNS} ({sandbox_ms / bare_ms:.2f}x bare)"
    )

    totals, log, between = end_to_end(
        model, inputs, artifacts, lambda runs: timed_runs(session, x, runs)
    )
    ran = [(float(run), float(fetch)) for _, run, fetch in RAN.findall(log)]
    agent_ms = statistics.median(run for run, _ in ran[1:])
    fetch_ms = statistics.median(fetch for _, fetch in ran[1:])
    between_ms = median_ms(between)
    print(
        f"agent process: first job run {ran[0][0]:.1f} ms (fetch + fork + load), then "
        f"median {agent_ms:.2f} ms, inputs fetched in {fetch_ms:.1f} ms ({len(ran)} jobs); "
        f"bare run between the jobs: median {between_ms:.2f} ms"
    )
    print(
        f"end to end, submit → settled (bid assigned on arrival): median "
        f"{median_ms(totals):.0f} ms, min {1000 * min(totals):.0f}, max {1000 * max(totals):.0f}"
    )
    print(f"ratio: {agent_ms / between_ms:.2f}")


if __name__ == "__main__":
    main()
