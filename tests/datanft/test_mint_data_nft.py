import pytest

from marketplace.datanft.models import DataNFT
from tests.conftest import Actions
from tests.datanft.conftest import METADATA, PRICE, code

pytestmark = pytest.mark.django_db

MINT = "/api/data-nfts"


def test_minting_answers_the_nft_owned_by_the_signer(actions, carol):
    response = actions.post(MINT, carol, "mint_data_nft", METADATA)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == carol.address
    assert body["price_per_hour"] == str(PRICE)
    for field in ("name", "category", "sensor_type", "content_ref", "location", "access_policy"):
        assert body[field] == METADATA[field]
    assert body["action_id"]
    assert DataNFT.objects.get(pk=body["id"]).owner.public_key == carol.public_key


def test_location_and_description_may_be_left_empty(actions, carol):
    params = {**METADATA, "description": ""}
    del params["location"]
    response = actions.post(MINT, carol, "mint_data_nft", params)
    assert response.status_code == 201, response.content
    assert response.json()["location"] == ""


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("name", 100),
        ("description", 2000),
        ("sensor_type", 64),
        ("data_format", 32),
        ("update_frequency", 32),
        ("content_ref", 256),
        ("location", 200),
    ],
)
def test_oversized_metadata_is_invalid_params(actions, carol, field, limit):
    at_limit = actions.post(MINT, carol, "mint_data_nft", {**METADATA, field: "x" * limit})
    assert at_limit.status_code == 201, at_limit.content
    over = actions.post(MINT, carol, "mint_data_nft", {**METADATA, field: "x" * (limit + 1)})
    assert (over.status_code, code(over)) == (400, "invalid_params")
    assert field in over.json()["error"]["fields"]
    assert DataNFT.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "weather"),
        ("access_policy", "private"),
        ("asset", "BTC"),
        ("price_per_hour", "0.5"),
        ("price_per_hour", 100),
        ("name", ""),
        ("name", None),
        ("content_ref", ["ipfs://a"]),
    ],
)
def test_bad_metadata_is_invalid_params(actions, carol, field, value):
    response = actions.post(MINT, carol, "mint_data_nft", {**METADATA, field: value})
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert field in response.json()["error"]["fields"]
    assert not DataNFT.objects.exists()


def test_a_subscription_nft_needs_a_price(actions, carol):
    response = actions.post(MINT, carol, "mint_data_nft", {**METADATA, "price_per_hour": "0"})
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "price_per_hour" in response.json()["error"]["fields"]


def test_a_public_nft_is_free(actions, carol):
    public = {**METADATA, "access_policy": "public"}
    priced = actions.post(MINT, carol, "mint_data_nft", public)
    assert (priced.status_code, code(priced)) == (400, "invalid_params")
    free = actions.post(MINT, carol, "mint_data_nft", {**public, "price_per_hour": "0"})
    assert free.status_code == 201


def test_a_missing_field_is_invalid_params(actions, carol):
    params = dict(METADATA)
    del params["sensor_type"]
    response = actions.post(MINT, carol, "mint_data_nft", params)
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "sensor_type" in response.json()["error"]["fields"]


# --- listing and detail -------------------------------------------------------------------


def test_the_listing_is_public_paginated_and_hides_the_content_ref(mint, carol, api):
    mint(carol)
    mint(carol, name="Second")
    body = api.get(MINT).json()
    assert body["count"] == 2
    assert {"next", "previous"} <= set(body)
    newest = body["results"][0]
    assert newest["name"] == "Second"
    assert newest["owner"] == carol.address
    assert "content_ref" not in newest


def test_the_listing_filters_by_category_owner_and_text(mint, carol, bob, api):
    mint(carol)
    mint(carol, name="Heart rate cohort", category="healthcare", sensor_type="wearable")
    mint(bob, name="DOT/USDT ticks", category="financial", description="Order book tops")
    assert api.get(MINT, {"category": "healthcare"}).json()["count"] == 1
    assert api.get(MINT, {"owner": bob.address}).json()["results"][0]["name"] == "DOT/USDT ticks"
    assert api.get(MINT, {"owner": carol.address}).json()["count"] == 2
    assert api.get(MINT, {"q": "order book"}).json()["count"] == 1
    assert api.get(MINT, {"q": "WEARABLE"}).json()["count"] == 1


@pytest.mark.parametrize("query", [{"owner": "not-an-address"}, {"category": "weather"}])
def test_a_bad_filter_is_invalid_params(api, query):
    response = api.get(MINT, query)
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_the_detail_shows_the_content_ref_only_to_readers(nft, carol, mallory, api):
    url = f"{MINT}/{nft['id']}"
    anonymous = api.get(url).json()
    assert anonymous["owner"] == carol.address
    assert "content_ref" not in anonymous
    for signer, sees in ((mallory, False), (carol, True)):
        client = Actions(api.__class__())
        token = client.post("/api/auth/login", signer, "login", {}).json()["token"]
        client.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert ("content_ref" in client.client.get(url).json()) is sees


def test_an_unknown_nft_is_not_found(api):
    response = api.get(f"{MINT}/31337")
    assert (response.status_code, code(response)) == (404, "not_found")
