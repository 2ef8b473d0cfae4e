"""submit_job refuses a job that could never run before any money moves: an ONNX model
the buyer may not read, inputs that do not fit its signature, a built-in model no
runner runs, inline JSON that does not parse. 400 invalid_params with a message per
field, and no balance, hold or job changes."""

import json

import numpy as np
import pytest

from ledger.models import Hold
from marketplace.jobs.models import Job
from tests.artifacts.conftest import _artifact_store, upload  # noqa: F401 (a fixture)
from tests.conftest import DOT, balance
from tests.jobs.market import error, ok, submit
from tests.onnx_models import matmul_add

pytestmark = pytest.mark.django_db

MODEL, W, B = matmul_add(n_in=3, n_out=2)


def inline(document) -> str:
    return "inline:" + json.dumps(document, separators=(",", ":"))


def onnx_job(cid: str, inputs=None, **overrides) -> dict:
    inputs = {"x": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]} if inputs is None else inputs
    return {
        "model_ref": f"onnx:{cid}",
        "data_ref": inline({"inputs": inputs}),
        "compute_type": "cpu",
        **overrides,
    }


@pytest.fixture
def model(api, alice, fund) -> str:
    """alice (100 DOT) uploaded the MatMul + Add model (x: float32 [batch, 3]), private."""
    fund(alice, 100 * DOT)
    return ok(upload(api, alice, MODEL), 201)["cid"]


def nothing_moved(alice) -> tuple:
    return balance(alice), Hold.objects.count(), Job.objects.count()


def refused(actions, alice, **params) -> dict:
    """Submit, expect 400 invalid_params with nothing moved; the error's fields."""
    before = nothing_moved(alice)
    response = submit(actions, alice, **params)
    assert error(response) == (400, "invalid_params")
    assert nothing_moved(alice) == before
    return response.json()["error"]["fields"]


def test_an_onnx_job_whose_inputs_fit_the_signature_is_posted(model, actions, alice):
    job = ok(submit(actions, alice, **onnx_job(model)), 201)

    assert (job["model_ref"], job["escrow"]["state"]) == (f"onnx:{model}", "held")
    assert balance(alice) == 90 * DOT


def test_a_wrong_input_shape_is_refused_before_any_money_moves(model, actions, alice):
    fields = refused(actions, alice, **onnx_job(model, {"x": [[1.0, 2.0], [3.0, 4.0]]}))

    assert fields == {
        "inputs.x": "has 2 on axis 1; the model needs a float32 tensor of shape [batch, 3]"
    }


@pytest.mark.parametrize(
    ("inputs", "field", "says"),
    [
        ({"x": [1.0, 2.0, 3.0]}, "inputs.x", "has shape [3]"),
        ({"x": [["a", "b", "c"]]}, "inputs.x", "wrong element type"),
        ({"x": [[1.0, 2.0, 3.0], [4.0]]}, "inputs.x", "ragged"),
        ({}, "inputs.x", "missing"),
        ({"x": [[1, 2, 3]], "z": [1]}, "inputs.z", "no input named 'z'"),
    ],
)
def test_each_input_that_does_not_fit_gets_its_own_message(
    model, actions, alice, inputs, field, says
):
    assert says in refused(actions, alice, **onnx_job(model, inputs))[field]


def test_symbolic_dimensions_take_any_size(model, actions, alice):
    batch = np.arange(15, dtype=float).reshape(5, 3).tolist()

    ok(submit(actions, alice, **onnx_job(model, {"x": batch})), 201)


def test_inputs_from_a_json_artifact_are_checked_too(model, api, actions, alice):
    document = json.dumps({"inputs": {"x": [[1, 2]]}}).encode()
    cid = ok(upload(api, alice, document, name="in.json", media_type="application/json"), 201)[
        "cid"
    ]

    fields = refused(actions, alice, **onnx_job(model, data_ref=cid))

    assert "has 2 on axis 1" in fields["inputs.x"]


def test_a_model_the_buyer_may_not_read_is_refused_like_a_missing_one(
    api, actions, alice, mallory, fund
):
    fund(alice, 100 * DOT)
    theirs = ok(upload(api, mallory, MODEL), 201)["cid"]

    fields = refused(actions, alice, **onnx_job(theirs))

    assert "names no model you may use" in fields["model_ref"]
    missing = "sha256:" + "0" * 64
    told = refused(actions, alice, **onnx_job(missing))["model_ref"]
    assert told == fields["model_ref"].replace(theirs, missing)


def test_a_public_model_of_someone_else_may_be_used(api, actions, alice, mallory, fund):
    fund(alice, 100 * DOT)
    public = ok(upload(api, mallory, MODEL, visibility="public"), 201)["cid"]

    ok(submit(actions, alice, **onnx_job(public)), 201)


def test_a_json_artifact_is_not_a_model(api, actions, alice, fund):
    fund(alice, 100 * DOT)
    document = json.dumps({"inputs": {}}).encode()
    cid = ok(upload(api, alice, document, name="in.json", media_type="application/json"), 201)[
        "cid"
    ]

    assert refused(actions, alice, **onnx_job(cid))["model_ref"] == f"{cid} is not an ONNX model"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model_ref": "onnx:sha256:xyz"}, "model_ref"),
        ({"data_ref": "ipfs://inputs"}, "data_ref"),
        ({"data_ref": inline({"x": [[1, 2, 3]]})}, "data_ref"),
        ({"data_nft_id": 7}, "data_nft_id"),
    ],
)
def test_an_onnx_job_must_name_its_model_and_inputs_as_api_md_says(
    model, actions, alice, params, field
):
    assert field in refused(actions, alice, **onnx_job(model, **params))


def test_a_built_in_model_no_runner_runs_is_refused(actions, alice, fund):
    fund(alice, 100 * DOT)

    fields = refused(actions, alice, model_ref="builtin:forcast", data_ref=inline({}))

    assert fields["model_ref"].startswith("no provider runs builtin:forcast")
    assert "builtin:forecast" in fields["model_ref"]


@pytest.mark.parametrize(
    ("data_ref", "says"),
    [('inline:{"values": [1, 2,', "is not JSON"), ("inline:[1, 2]", "a JSON object")],
)
def test_inline_input_that_is_not_a_json_object_is_refused(actions, alice, fund, data_ref, says):
    fund(alice, 100 * DOT)

    fields = refused(actions, alice, model_ref="builtin:forecast", data_ref=data_ref)

    assert says in fields["data_ref"]
