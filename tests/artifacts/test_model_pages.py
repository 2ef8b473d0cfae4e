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


def test_the_job_form_offers_the_gallery_and_fills_each_input_with_its_example(
    client, alice, carol
):
    from marketplace.artifacts import gallery
    from marketplace.wallets.models import Wallet
    from tests.conftest import Actions

    ok(Actions(client).post("/api/auth/login", alice, "login", {}))  # a session for the page

    owner, _ = Wallet.objects.get_or_create(public_key=carol.public_key)
    hours = [h % 24 for h in range(7 * 24)]
    values = [100.0 + 50 * (8 <= h <= 18) for h in hours]
    _, detector = gallery.install(owner, values, hours)
    page = client.get("/jobs/", {"model": f"onnx:{detector.cid}"}).content.decode()
    assert f'<option value="onnx:{detector.cid}" selected>' in page
    example_hours = detector.example["inputs"]["hours"]
    assert 'data-pm-model-input="hours"' in page and str(example_hours)[:20] in page
    assert "<em>n</em> is any size, the same in every input that names it" in page
