import pytest

from marketplace.artifacts import storage
from tests.artifacts.conftest import upload
from tests.onnx_models import matmul_add

pytestmark = pytest.mark.django_db


def login(api, actions, signer):
    response = actions.post("/api/auth/login", signer, "login", {})
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")


@pytest.fixture
def private_model(api, alice):
    data, _, _ = matmul_add()
    response = upload(api, alice, data)
    assert response.status_code == 201
    return response.json()["cid"], data


def test_the_owner_reads_metadata_and_bytes(api, actions, alice, private_model):
    cid, data = private_model
    login(api, actions, alice)
    assert api.get(f"/api/artifacts/{cid}").json()["cid"] == cid
    content = api.get(f"/api/artifacts/{cid}/content")
    assert content.status_code == 200 and content.content == data


def test_an_outsider_cannot_read_a_private_artifact(api, actions, mallory, private_model):
    cid, _ = private_model
    assert api.get(f"/api/artifacts/{cid}/content").status_code == 404  # anonymous
    login(api, actions, mallory)
    assert api.get(f"/api/artifacts/{cid}").status_code == 404
    assert api.get(f"/api/artifacts/{cid}/content").status_code == 404
    assert api.get("/api/artifacts").json()["count"] == 0


def test_anyone_reads_a_public_artifact(api, alice):
    data, _, _ = matmul_add(seed=3)
    cid = upload(api, alice, data, visibility="public").json()["cid"]
    assert api.get(f"/api/artifacts/{cid}/content").content == data
    assert [a["cid"] for a in api.get("/api/artifacts").json()["results"]] == [cid]


def test_an_unknown_cid_is_404(api):
    assert api.get("/api/artifacts/sha256:" + "0" * 64).status_code == 404
    assert api.get("/api/artifacts/sha256:xyz").status_code == 404


def test_bytes_missing_from_the_store_answer_404_not_500(api, actions, alice, private_model):
    cid, _ = private_model
    storage.remove(cid.removeprefix("sha256:"))
    login(api, actions, alice)
    assert api.get(f"/api/artifacts/{cid}").status_code == 200  # the row is still there
    content = api.get(f"/api/artifacts/{cid}/content")
    assert (content.status_code, content.json()["error"]["code"]) == (404, "not_found")
