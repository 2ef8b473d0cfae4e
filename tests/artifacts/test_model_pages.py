"""The pages' reads of models: the gallery lists public models only, and the job form
builds its fields from a model's signature only for a model the viewer may read."""

import pytest

from tests.artifacts.conftest import upload
from tests.jobs.market import ok
from tests.onnx_models import matmul_add

pytestmark = pytest.mark.django_db


def test_the_gallery_lists_public_models_and_not_private_ones(client, api, alice, bob):
    public, _, _ = matmul_add(seed=1)
    private, _, _ = matmul_add(seed=2)
    ok(upload(api, alice, public, name="Shared forecaster", visibility="public"), 201)
    ok(upload(api, bob, private, name="Secret forecaster"), 201)
    page = client.get("/models/").content.decode()
    assert "Shared forecaster" in page
    assert "Secret forecaster" not in page


def test_the_job_form_has_one_field_per_input_of_a_readable_model(client, api, alice):
    model, _, _ = matmul_add(n_in=4)
    cid = ok(upload(api, alice, model, visibility="public"), 201)["cid"]
    form = client.get("/jobs/inputs", {"model_ref": f"onnx:{cid}"}).content.decode()
    assert 'data-pm-model-input="x"' in form and 'data-pm-rank="2"' in form
    assert "<em>batch</em> is any size" in form


def test_a_private_model_of_someone_else_gets_no_fields(client, api, bob):
    model, _, _ = matmul_add(seed=3)
    cid = ok(upload(api, bob, model), 201)["cid"]
    form = client.get("/jobs/inputs", {"model_ref": f"onnx:{cid}"}).content.decode()
    assert "data-pm-model-input" not in form
    assert 'name="data_ref"' in form
