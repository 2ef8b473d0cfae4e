"""The ONNX sandbox on its own: real onnxruntime in a real separate process, stopped at
the wall-clock limit and the memory cap, refusing custom operators and inputs that do
not fit; a failure ends the process and the next run starts a fresh one."""

import hashlib
import os
import time

import numpy as np
import pytest

from marketplace.agents.onnx_runner import MIB, Limits, RunError, Sandbox, checked
from tests.onnx_models import custom_op, endless_loop, matmul_add, memory_hog

LIMITS = Limits(seconds=2, memory_bytes=1024 * MIB, threads=1)
X = [[1.0, 2.0, 3.0], [-4.0, 0.5, 6.0]]


def cid(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def sandbox():
    sandbox = Sandbox(LIMITS)
    sandbox.start()
    yield sandbox
    sandbox.close()


def run(sandbox: Sandbox, model: bytes, inputs: dict, **options) -> dict:
    return sandbox.run(cid(model), lambda: model, inputs, **options)


def test_a_model_runs_in_another_process_and_stays_loaded_for_its_next_job(sandbox):
    model, W, b = matmul_add()
    loads = []

    def fetch() -> bytes:
        loads.append(1)
        return model

    first = sandbox.run(cid(model), fetch, {"x": X})
    process = sandbox._worker.process
    second = sandbox.run(cid(model), fetch, {"x": X[:1]})

    expected = np.asarray(X, np.float32) @ W + b
    assert np.allclose(first["outputs"]["y"], expected, rtol=0, atol=1e-5)
    assert np.allclose(second["outputs"]["y"], expected[:1], rtol=0, atol=1e-5)
    assert process.pid != os.getpid() and process.is_alive()
    assert loads == [1]


def test_a_model_that_loops_is_killed_at_the_wall_clock_limit(sandbox):
    started = time.monotonic()
    with pytest.raises(RunError, match="stopped after 2 s: the wall-clock limit"):
        run(sandbox, endless_loop(), {"x": [1.0]})
    assert 2 <= time.monotonic() - started < 4
    assert sandbox._worker is None


def test_the_job_deadline_shortens_the_limit(sandbox):
    with pytest.raises(RunError, match=r"stopped after 0\.5 s"):
        run(sandbox, endless_loop(), {"x": [1.0]}, seconds=0.5)
    with pytest.raises(RunError, match="no time is left"):
        run(sandbox, endless_loop(), {"x": [1.0]}, seconds=-1)


def test_a_model_that_allocates_past_the_cap_fails_and_its_process_ends(sandbox):
    # 2^30 floats are 4 GiB, above the 1 GiB cap (and well within this machine's memory:
    # without the cap the run would succeed and this test fail).
    with pytest.raises(RunError, match=r"ran out of memory \(the limit is 1024 MiB\)"):
        run(sandbox, memory_hog(2**30), {"x": [1.0]})
    assert sandbox._worker is None
    model, _, _ = matmul_add()
    assert run(sandbox, model, {"x": X})["outputs"]["y"]  # a fresh process runs the next


def test_custom_operators_and_inputs_that_do_not_fit_are_refused(sandbox):
    with pytest.raises(RunError, match=r"custom operator domain 'com\.example' is not allowed"):
        run(sandbox, custom_op(), {"x": [1.0]})
    model, _, _ = matmul_add()
    with pytest.raises(RunError, match=r"inputs.x: has 2 on axis 1; the model needs a float32"):
        run(sandbox, model, {"x": [[1.0, 2.0]]})
    with pytest.raises(RunError, match="the model has no input named 'z'"):
        run(sandbox, model, {"x": X, "z": [1]})


def test_bytes_that_do_not_match_their_hash_are_refused():
    model, _, _ = matmul_add()
    assert checked(model, cid(model), "model") == model
    with pytest.raises(RunError, match="the model's bytes do not match sha256:"):
        checked(model + b"\0", cid(model), "model")
