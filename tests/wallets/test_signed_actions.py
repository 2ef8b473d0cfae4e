"""The signed-action envelope: every check of API.md gives its code and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework import serializers

from marketplace.core.actions import REGISTRY, signed_action
from marketplace.core.canonical import canonical_json
from marketplace.core.errors import InvalidParams
from marketplace.wallets.models import SignedAction, Wallet
from marketplace.wallets.services import execute_signed_action
from tests.conftest import DOT, balance

pytestmark = pytest.mark.django_db

FAUCET = "/api/faucet"
ONE_DOT = {"asset": "DOT", "amount": str(DOT)}


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_an_sr25519_signature_over_the_raw_payload_is_accepted(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT)
    assert response.status_code == 200, response.content
    assert balance(alice) == DOT


def test_a_signature_over_the_bytes_wrapped_payload_is_accepted(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT, wrap=True)
    assert response.status_code == 200
    assert balance(alice) == DOT


def test_an_ed25519_signature_is_accepted(actions, erin_ed25519):
    response = actions.post(FAUCET, erin_ed25519, "faucet", ONE_DOT)
    assert response.status_code == 200
    assert SignedAction.objects.get().crypto_type == "ed25519"


def test_the_same_key_under_another_ss58_prefix_is_the_same_wallet(actions, alice):
    from scalecodec.utils.ss58 import ss58_encode

    polkadot_address = ss58_encode(alice.public_key, ss58_format=0)
    actions.post(FAUCET, alice, "faucet", ONE_DOT)
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT, address=polkadot_address)
    assert response.status_code == 200
    assert Wallet.objects.count() == 1
    assert balance(alice) == 2 * DOT


def test_every_executed_action_is_stored_with_what_authorised_it(actions, alice):
    body = alice.envelope("faucet", ONE_DOT)
    response = actions.client.post(FAUCET, body, format="json")
    record = SignedAction.objects.get()
    assert response.json()["action_id"] == record.pk
    assert (record.payload, record.signature) == (body["payload"], body["signature"])
    assert record.action == "faucet"
    assert record.response_status == 200
    assert record.response_body["action_id"] == record.pk


def test_a_signature_by_another_key_is_bad_signature(actions, alice, mallory):
    payload = alice.payload("faucet", ONE_DOT)
    body = {"payload": payload, "signature": mallory.sign(payload)}
    response = actions.client.post(FAUCET, body, format="json")
    assert (response.status_code, error_code(response)) == (401, "bad_signature")
    assert balance(alice) == 0
    assert not SignedAction.objects.exists()


def test_a_tampered_payload_is_bad_signature(actions, alice):
    body = alice.envelope("faucet", ONE_DOT)
    body["payload"] = body["payload"].replace(str(DOT), str(DOT * 1000))
    response = actions.client.post(FAUCET, body, format="json")
    assert (response.status_code, error_code(response)) == (401, "bad_signature")
    assert balance(alice) == 0


def test_a_payload_for_another_domain_is_wrong_domain(actions, alice):
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT, domain="evil.example")
    assert (response.status_code, error_code(response)) == (401, "wrong_domain")
    assert balance(alice) == 0


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_an_issued_at_more_than_five_minutes_away_is_stale(actions, alice, skew):
    issued_at = (datetime.now(UTC) + skew).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT, issued_at=issued_at)
    assert (response.status_code, error_code(response)) == (401, "stale_request")
    assert balance(alice) == 0


def test_an_identical_replay_returns_the_first_response_and_moves_nothing(actions, alice):
    body = alice.envelope("faucet", ONE_DOT)
    first = actions.client.post(FAUCET, body, format="json")
    again = actions.client.post(FAUCET, body, format="json")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert balance(alice) == DOT
    assert SignedAction.objects.count() == 1


def test_the_same_nonce_with_another_payload_is_replayed_nonce(actions, alice):
    actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="n" * 20)
    response = actions.post(
        FAUCET, alice, "faucet", {"asset": "DOT", "amount": "5"}, nonce="n" * 20
    )
    assert (response.status_code, error_code(response)) == (409, "replayed_nonce")
    assert balance(alice) == DOT


def test_a_nonce_belongs_to_its_wallet_only(actions, alice, bob):
    actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="n" * 20)
    response = actions.post(FAUCET, bob, "faucet", ONE_DOT, nonce="n" * 20)
    assert response.status_code == 200
    assert balance(bob) == DOT


def test_a_payload_for_another_action_is_invalid_params(actions, alice):
    response = actions.post(FAUCET, alice, "withdraw", ONE_DOT)
    assert (response.status_code, error_code(response)) == (400, "invalid_params")


def test_a_failed_action_consumes_no_nonce(actions, alice):
    too_much = {"asset": "DOT", "amount": str(10**6 * DOT)}
    response = actions.post(FAUCET, alice, "faucet", too_much, nonce="m" * 20)
    assert response.status_code == 400
    assert not SignedAction.objects.exists()
    response = actions.post(FAUCET, alice, "faucet", ONE_DOT, nonce="m" * 20)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"payload": "x"},
        {"signature": "0x" + "00" * 64},
        {"payload": "not json", "signature": "0x" + "00" * 64},
        {"payload": "[]", "signature": "0x" + "00" * 64},
        {"payload": "{}", "signature": "0x" + "00" * 64},
        {"payload": 5, "signature": "0x" + "00" * 64},
        {"payload": "{}", "signature": "0x1234"},
        {"payload": "{}", "signature": "zz"},
        {"payload": "{}", "signature": "0x" + "00" * 64, "extra": 1},
        [],
        "text",
        None,
    ],
)
def test_malformed_envelopes_are_invalid_params(api, body):
    response = api.post(FAUCET, body, format="json")
    assert (response.status_code, error_code(response)) == (400, "invalid_params")


@pytest.mark.parametrize(
    "field, value",
    [
        ("nonce", "short"),
        ("nonce", "n" * 65),
        ("nonce", "has spaces in it!!"),
        ("address", "not-an-address"),
        ("issued_at", "yesterday"),
        ("issued_at", "2026-01-01T00:00:00"),
        ("issued_at", "9999-12-31T23:59:59-14:00"),
        ("issued_at", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_malformed_payload_fields_are_invalid_params(api, alice, field, value):
    import json

    obj = json.loads(alice.payload("faucet", ONE_DOT))
    obj[field] = value
    payload = canonical_json(obj)
    response = api.post(
        FAUCET, {"payload": payload, "signature": alice.sign(payload)}, format="json"
    )
    assert (response.status_code, error_code(response)) == (400, "invalid_params")
    assert response.json()["error"]["fields"] == {field: "invalid"}


def test_body_that_is_not_json_is_invalid_params(api):
    response = api.generic("POST", FAUCET, "{{{", content_type="application/json")
    assert (response.status_code, error_code(response)) == (400, "invalid_params")


class _EchoParams(serializers.Serializer):
    job_id = serializers.IntegerField()


if "test_echo_job" not in REGISTRY:

    @signed_action("test_echo_job", params=_EchoParams, url_params=("job_id",))
    def _echo(wallet, params, ctx):
        return {"job_id": params["job_id"]}


def test_ids_in_the_url_must_equal_the_ids_in_params(alice):
    body = alice.envelope("test_echo_job", {"job_id": 7})
    with pytest.raises(InvalidParams) as caught:
        execute_signed_action("test_echo_job", body, {"job_id": 8})
    assert caught.value.fields == {"job_id": "does not match the URL"}
    assert execute_signed_action("test_echo_job", body, {"job_id": 7}).body["job_id"] == 7


@pytest.mark.django_db(False)
def test_the_schema_gives_every_signed_actions_answer_its_action_id():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    documented = {}
    for operations in schema["paths"].values():
        for operation in operations.values():
            spec = REGISTRY.get(operation["operationId"])
            if spec is None:
                continue
            answer = operation["responses"][str(spec.status)]["content"]
            ref = next(iter(answer.values()))["schema"]["$ref"]
            documented[spec.name] = components[ref.rsplit("/", 1)[1]]["properties"]
    assert {"withdraw", "submit_job", "unbond", "delete_artifact"} <= set(documented)
    assert [name for name, fields in documented.items() if "action_id" not in fields] == []
