"""A request body over PM_MAX_BODY_BYTES is refused as 400 invalid_params, and changes
nothing."""

import json

import pytest

from marketplace.wallets.models import SignedAction
from tests.conftest import balance

pytestmark = pytest.mark.django_db


def test_an_oversized_signed_action_is_invalid_params_and_changes_nothing(actions, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    params = {"asset": "DOT", "amount": "1", "padding": "x" * 20_000}
    body = json.dumps(alice.envelope("faucet", params))
    response = actions.client.post("/api/faucet", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_params"
    assert balance(alice) == 0
    assert not SignedAction.objects.exists()


def test_a_body_under_the_limit_is_read_as_usual(actions, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = actions.post("/api/faucet", alice, "faucet", {"asset": "DOT", "amount": "1"})
    assert response.status_code == 200
    assert balance(alice) == 1
