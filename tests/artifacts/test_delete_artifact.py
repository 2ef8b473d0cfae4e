import pytest

from marketplace.artifacts.models import Artifact
from tests.artifacts.conftest import upload
from tests.onnx_models import matmul_add

pytestmark = pytest.mark.django_db


def delete(actions, signer, cid):
    return actions.post(f"/api/artifacts/{cid}/delete", signer, "delete_artifact", {"cid": cid})


def test_the_owner_deletes_an_unused_artifact_and_its_bytes(
    api, actions, alice, _artifact_store, django_capture_on_commit_callbacks
):
    data, _, _ = matmul_add()
    cid = upload(api, alice, data).json()["cid"]
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(actions, alice, cid)
    assert response.status_code == 200, response.content
    assert not Artifact.objects.exists()
    assert not [p for p in _artifact_store.rglob("*") if p.is_file()]


def test_bytes_another_wallet_still_has_stay(api, actions, alice, bob, _artifact_store):
    data, _, _ = matmul_add()
    cid = upload(api, alice, data).json()["cid"]
    upload(api, bob, data)
    assert delete(actions, alice, cid).status_code == 200
    assert [p for p in _artifact_store.rglob("*") if p.is_file()]


def test_nobody_deletes_another_wallets_artifact(api, actions, alice, mallory):
    data, _, _ = matmul_add()
    cid = upload(api, alice, data).json()["cid"]
    assert delete(actions, mallory, cid).status_code == 404
    assert Artifact.objects.count() == 1
