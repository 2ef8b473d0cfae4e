"""Inputs that once answered 500 (API.md: never, for any client input), as a table.

Each is refused with a 4xx and changes nothing. The classes behind them are fixed once:
every JSON a client sends is read by core/jsontext.py (a depth limit, no NaN/Infinity,
no NUL, no lone surrogate, no duplicate key), text fields are checked before they are
looked up, and pages render for any visitor."""

import hashlib
import json
import math

import pytest
from channels.testing import WebsocketCommunicator
from django.urls import URLPattern, URLResolver, get_resolver

from marketplace.core.canonical import canonical_json
from marketplace.jobs.models import Job
from marketplace.wallets.models import SignedAction
from polkamesh_web.asgi import application
from tests.conftest import DOT
from tests.datanft.conftest import METADATA
from tests.jobs.market import job_params, ok, register, step, submit
from tests.wallets.test_pages import sign_in

pytestmark = pytest.mark.django_db

DEEP = 100_000
NUL_ASSET = "DOT\u0000"
BAD_VALUES = {
    "nan": math.nan,
    "infinity": math.inf,
    "minus-infinity": -math.inf,
    "nul-in-value": "a\u0000b",
    "lone-surrogate": "\ud800",
}
# (what, where): each bad value inside a value; the bad texts also as a key
CASES = [(bad, "value") for bad in BAD_VALUES] + [
    (bad, "key") for bad, value in BAD_VALUES.items() if isinstance(value, str)
]


@pytest.mark.parametrize("opening", ["[", "{"], ids=["brackets", "braces"])
@pytest.mark.parametrize("path", ["/api/faucet", "/api/jobs", "/api/auth/login"])
def test_a_body_nested_a_hundred_thousand_deep_is_invalid_params(api, path, opening):
    response = api.post(path, opening * DEEP, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")


@pytest.mark.parametrize(
    ("path", "action", "params"),
    [
        ("/api/faucet", "faucet", {"asset": NUL_ASSET, "amount": "1"}),
        ("/api/jobs", "submit_job", job_params(asset=NUL_ASSET)),
        (
            "/api/withdrawals",
            "withdraw",
            {"asset": NUL_ASSET, "amount": "1", "destination": METADATA["content_ref"]},
        ),
    ],
    ids=["faucet", "jobs", "withdrawals"],
)
def test_an_asset_with_a_nul_is_invalid_params(actions, alice, fund, path, action, params):
    fund(alice, 100 * DOT)
    response = actions.post(path, alice, action, params)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
    assert not SignedAction.objects.filter(action=action).exists()


def test_an_asset_code_is_checked_as_text_before_it_is_looked_up(django_assert_num_queries):
    from marketplace.wallets.actions import FaucetParams

    with django_assert_num_queries(0):
        assert not FaucetParams(data={"asset": "DOT\nUSDT", "amount": "1"}).is_valid()


@pytest.mark.parametrize(("bad", "where"), CASES, ids=[f"{b}-in-{w}" for b, w in CASES])
def test_readings_that_jsonb_refuses_are_invalid_params(actions, carol, fund, bad, where):
    fund(carol, 10 * DOT)
    nft = ok(actions.post("/api/data-nfts", carol, "mint_data_nft", {**METADATA}), 201)
    odd = {BAD_VALUES[bad]: 1} if where == "key" else {"note": BAD_VALUES[bad]}
    reading = {"ts": "2025-01-01T00:00:00+00:00", "value": 1, **odd}
    response = actions.post(
        f"/api/data-nfts/{nft['id']}/readings",
        carol,
        "publish_readings",
        {"nft_id": nft["id"], "readings": [reading]},
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")


@pytest.fixture
def running_job(actions, alice, bob, fund):
    fund(alice, 100 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob)
    job = ok(submit(actions, alice), 201)
    bid = ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=600), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    ok(step(actions, bob, job["id"], "start"))
    return job["id"]


@pytest.mark.parametrize(("bad", "where"), CASES, ids=[f"{b}-in-{w}" for b, w in CASES])
def test_a_result_content_that_jsonb_refuses_is_invalid_params(
    actions, bob, running_job, bad, where
):
    content = {BAD_VALUES[bad]: 1} if where == "key" else {"forecast": [1, BAD_VALUES[bad]]}
    # the hash the server would compute, so that only the content itself is wrong
    canonical = canonical_json(content)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    response = step(
        actions,
        bob,
        running_job,
        "result",
        result_ref="ipfs://r",
        result_hash=digest,
        result_content=content,
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
    assert Job.objects.get(pk=running_job).status == "in_progress"


def _page_urls() -> list[str]:
    """Every page and fragment of the site that takes no argument (not the API)."""
    urls = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern) and "<" not in route:
                urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return [url for url in urls if not url.startswith(("/api/", "/admin/", "/static/"))]


@pytest.mark.parametrize("who", ["anonymous", "not-a-provider"])
def test_every_page_and_fragment_renders_for_any_visitor(client, actions, alice, who):
    if who == "not-a-provider":
        sign_in(client, actions, alice)
    pages = _page_urls()
    assert "/provide/summary" in pages
    for url in pages:
        assert client.get(url).status_code < 500, url


@pytest.fixture
def token(actions, alice):
    return actions.post("/api/auth/login", alice, "login", {}).json()["token"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "message",
    ["{not json", "[1, 2]", '"ping"', '{"type": NaN}', "[" * DEEP],
    ids=["bad-json", "array", "string", "nan", "deep"],
)
async def test_the_events_socket_answers_bad_json_with_an_error_and_stays_open(token, message):
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await communicator.send_to(text_data=message)
    answer = await communicator.receive_json_from(timeout=5)
    assert answer["type"] == "error" and answer["data"]["code"] == "invalid_params"
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "pong"
    await communicator.disconnect()


def test_every_free_form_json_param_is_checked_for_jsonb():
    from rest_framework import serializers

    from marketplace.core.actions import REGISTRY
    from marketplace.core.jsontext import StorableJSONField

    def fields(serializer):
        for field in serializer.fields.values():
            yield field
            child = getattr(field, "child", None)
            if isinstance(child, serializers.Serializer):
                yield from fields(child)
            if isinstance(field, serializers.Serializer):
                yield from fields(field)

    loose = [
        f"{name}.{field.field_name}"
        for name, spec in REGISTRY.items()
        for field in fields(spec.params())
        if isinstance(field, serializers.JSONField) and not isinstance(field, StorableJSONField)
    ]
    assert loose == []


def test_a_payload_with_a_key_twice_is_refused(actions, alice):
    signed = alice.payload("faucet", {"asset": "DOT", "amount": "1"})
    doubled = signed.replace('"amount":"1"', '"amount":"1","amount":"1000"')
    envelope = {"payload": doubled, "signature": alice.sign(doubled)}
    response = actions.client.post("/api/faucet", envelope, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
    assert "twice" in response.json()["error"]["message"]


def test_a_body_with_a_key_twice_is_refused(api, alice):
    envelope = alice.envelope("faucet", {"asset": "DOT", "amount": "1"})
    body = json.dumps(envelope)[:-1] + ', "signature": "0x00"}'
    response = api.post("/api/faucet", body, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_params")
