import json

import pytest

from tests.artifacts.conftest import upload, upload_params
from tests.onnx_models import custom_op, matmul_add

pytestmark = pytest.mark.django_db


def test_an_onnx_upload_answers_its_cid_and_signature(api, alice):
    data, _, _ = matmul_add()
    response = upload(api, alice, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cid"] == "sha256:" + upload_params(data)["sha256"]
    assert body["size"] == len(data) and body["owner"] == alice.address
    assert body["signature"] == {
        "inputs": [{"name": "x", "dtype": "float32", "shape": ["batch", 3]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": ["batch", 2]}],
    }


def test_the_same_bytes_twice_give_one_cid_and_one_stored_file(api, alice, _artifact_store):
    data, _, _ = matmul_add()
    first = upload(api, alice, data)
    again = upload(api, alice, data, name="renamed.onnx")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["cid"] == first.json()["cid"]
    assert again.json()["name"] == "model.onnx"  # the existing artifact, unchanged
    assert len([p for p in _artifact_store.rglob("*") if p.is_file()]) == 1


def test_another_wallet_uploading_the_same_bytes_shares_the_stored_file(
    api, alice, bob, _artifact_store
):
    data, _, _ = matmul_add()
    assert upload(api, alice, data).status_code == 201
    response = upload(api, bob, data, visibility="public")
    assert response.status_code == 201 and response.json()["owner"] == bob.address
    assert len([p for p in _artifact_store.rglob("*") if p.is_file()]) == 1


def test_bytes_that_are_not_onnx_are_refused(api, alice):
    response = upload(api, alice, b"this is not a model")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_params"
    assert "content" in response.json()["error"]["fields"]


def test_a_model_with_a_custom_operator_is_refused(api, alice):
    response = upload(api, alice, custom_op())
    assert response.status_code == 400
    assert "com.example" in response.json()["error"]["message"]


def test_a_file_that_is_not_the_signed_hash_is_refused(api, alice):
    data, _, _ = matmul_add()
    other, _, _ = matmul_add(seed=8)
    assert len(other) == len(data)
    response = upload(api, alice, data, content=other)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"sha256": "does not match the file"}


def test_a_file_of_another_size_than_signed_is_refused(api, alice):
    data, _, _ = matmul_add()
    response = upload(api, alice, data, content=data + b"\0")
    assert response.status_code == 400
    assert "size" in response.json()["error"]["fields"]


def test_an_upload_above_the_limit_is_413(api, alice, settings):
    settings.PM_ARTIFACT_MAX_BYTES = 100
    data, _, _ = matmul_add()
    response = upload(api, alice, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_json_artifact_must_be_json(api, alice):
    good = json.dumps({"inputs": {"x": [[1, 2, 3]]}}).encode()
    ok = upload(api, alice, good, media_type="application/json", name="inputs.json")
    assert ok.status_code == 201 and "signature" not in ok.json()
    bad = upload(api, alice, b"{nope", media_type="application/json")
    assert bad.status_code == 400


def test_an_upload_without_the_file_part_is_refused(api, alice):
    data, _, _ = matmul_add()
    body = alice.envelope("upload_artifact", upload_params(data))
    response = api.post("/api/artifacts", body, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"content": "missing"}


def test_a_json_body_is_not_an_upload(actions, alice):
    data, _, _ = matmul_add()
    response = actions.post("/api/artifacts", alice, "upload_artifact", upload_params(data))
    assert response.status_code == 400


def test_a_forged_signature_uploads_nothing(api, alice, mallory):
    data, _, _ = matmul_add()
    envelope = alice.envelope("upload_artifact", upload_params(data))
    envelope["signature"] = mallory.sign(envelope["payload"])
    body = {**envelope, "content": __import__("io").BytesIO(data)}
    response = api.post("/api/artifacts", body, format="multipart")
    assert response.status_code == 401
    from marketplace.artifacts.models import Artifact

    assert not Artifact.objects.exists()
