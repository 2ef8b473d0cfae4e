import math
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.test import override_settings

from marketplace.datanft import tokens
from marketplace.datanft.models import DataAccess, Reading
from tests.conftest import DOT
from tests.datanft.conftest import code, hourly, later, stamp

pytestmark = pytest.mark.django_db


def readings_url(nft_id: int, token: str | None = None, **query) -> str:
    params = {**({"token": token} if token is not None else {}), **query}
    return f"/api/data-nfts/{nft_id}/readings?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.fixture
def token(nft, publish, access, carol):
    assert publish(carol, nft["id"], hourly(48)).status_code == 200
    return access(carol, nft["id"]).json()["token"]


# --- publish_readings ---------------------------------------------------------------------


def test_the_owner_publishes_readings_with_their_extra_keys(nft, publish, carol):
    readings = [
        {"ts": "2025-03-01T08:00:00Z", "value": 412, "lane": "north", "unit": "vehicles/h"},
        {"ts": "2025-03-01T09:00:00+01:00", "value": 398.5},
    ]
    response = publish(carol, nft["id"], readings)
    assert response.status_code == 200, response.content
    assert response.json()["published"] == 2
    first, second = Reading.objects.order_by("ts")
    assert (first.value, first.extra) == (412.0, {"lane": "north", "unit": "vehicles/h"})
    assert second.ts == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert second.extra == {}


def test_a_thousand_readings_in_one_call_are_accepted(nft, publish, carol):
    assert publish(carol, nft["id"], hourly(1000)).status_code == 200
    assert Reading.objects.count() == 1000


def test_a_thousand_and_one_readings_are_invalid_and_none_is_stored(nft, publish, carol):
    response = publish(carol, nft["id"], hourly(1001))
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "readings" in response.json()["error"]["fields"]
    assert not Reading.objects.exists()


@pytest.mark.parametrize(
    "reading",
    [
        {"ts": "2025-01-01T00:00:00Z"},
        {"value": 1},
        {"ts": "yesterday", "value": 1},
        {"ts": 1735689600, "value": 1},
        {"ts": "0001-01-01T00:00:00+05:00", "value": 1},
        {"ts": "2025-01-01T00:00:00Z", "value": "12"},
        {"ts": "2025-01-01T00:00:00Z", "value": True},
        {"ts": "2025-01-01T00:00:00Z", "value": None},
        {"ts": "2025-01-01T00:00:00Z", "value": math.nan},
        {"ts": "2025-01-01T00:00:00Z", "value": math.inf},
        {"ts": "2025-01-01T00:00:00Z", "value": 10**400},
        {"ts": "2025-01-01T00:00:00Z", "value": 1, "note": "x" * 300},
        "2025-01-01T00:00:00Z",
        [1, 2],
        42,
    ],
)
def test_a_malformed_reading_is_invalid_and_nothing_is_stored(nft, publish, carol, reading):
    response = publish(carol, nft["id"], [*hourly(3), reading])
    assert (response.status_code, code(response)) == (400, "invalid_params"), response.content
    # NaN and Infinity are not JSON: the payload itself is refused before its params
    assert any(
        key.startswith(("readings", "payload")) for key in response.json()["error"]["fields"]
    )
    assert not Reading.objects.exists()


@pytest.mark.parametrize("readings", [[], "many", {"ts": "2025-01-01T00:00:00Z", "value": 1}])
def test_readings_must_be_a_non_empty_list(nft, publish, carol, readings):
    response = publish(carol, nft["id"], readings)
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_mallory_cannot_publish_to_carols_nft(nft, publish, mallory):
    response = publish(mallory, nft["id"], hourly(2))
    assert (response.status_code, code(response)) == (403, "forbidden")
    assert not Reading.objects.exists()


def test_a_subscriber_cannot_publish_either(nft, publish, subscribe, alice, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    response = publish(alice, nft["id"], hourly(2))
    assert (response.status_code, code(response)) == (403, "forbidden")


# --- GET readings ---------------------------------------------------------------------------


def test_a_valid_token_reads_the_readings_oldest_first(nft, token, api):
    response = api.get(readings_url(nft["id"], token))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 48
    assert body["results"][0] == {"ts": "2025-01-01T00:00:00Z", "value": 0.0}
    assert [r["value"] for r in body["results"]] == [float(i) for i in range(48)]


def test_extra_keys_come_back_beside_ts_and_value(nft, publish, access, carol, api):
    publish(carol, nft["id"], [{"ts": "2025-01-01T00:00:00Z", "value": 3, "lane": "north"}])
    token = access(carol, nft["id"]).json()["token"]
    body = api.get(readings_url(nft["id"], token)).json()
    assert body["results"] == [{"ts": "2025-01-01T00:00:00Z", "value": 3.0, "lane": "north"}]


def test_since_until_and_limit_select_a_window(nft, token, api):
    body = api.get(
        readings_url(
            nft["id"], token, since="2025-01-01T10:00:00Z", until="2025-01-01T20:00:00Z", limit=4
        )
    ).json()
    assert body["count"] == 10  # since inclusive, until exclusive
    assert [r["value"] for r in body["results"]] == [10.0, 11.0, 12.0, 13.0]
    assert "page=2" in body["next"]


def test_a_bad_window_is_invalid_params(nft, token, api):
    response = api.get(readings_url(nft["id"], token, since="soon"))
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_a_subscriber_reads_with_its_token(
    nft, publish, subscribe, access, alice, carol, fund, api
):
    publish(carol, nft["id"], hourly(5))
    fund(alice, DOT)
    subscribe(alice, nft["id"], 2)
    token = access(alice, nft["id"]).json()["token"]
    assert api.get(readings_url(nft["id"], token)).json()["count"] == 5


def test_a_public_nft_is_read_with_a_token_and_no_subscription(
    public_nft, publish, access, carol, mallory, api
):
    publish(carol, public_nft["id"], hourly(3))
    token = access(mallory, public_nft["id"]).json()["token"]
    assert api.get(readings_url(public_nft["id"], token)).json()["count"] == 3


def test_every_read_is_counted(nft, token, api, carol):
    api.get(readings_url(nft["id"], token))
    api.get(readings_url(nft["id"], token, page=2, limit=10))
    assert DataAccess.objects.filter(kind="readings", accessor=carol.public_key).count() == 2


def refused(response) -> bool:
    return (response.status_code, code(response)) == (403, "data_access_required")


def test_no_token_is_refused(nft, token, api):
    assert refused(api.get(readings_url(nft["id"])))
    assert refused(api.get(readings_url(nft["id"], "")))


def test_a_token_for_another_nft_is_refused(nft, mint, token, carol, api):
    other = mint(carol, name="Noise — Main St.")
    assert refused(api.get(readings_url(other["id"], token)))


def test_a_tampered_token_is_refused(nft, token, api):
    # Rewrite the claims to another NFT but keep the signature: it no longer verifies.
    signature = token.rpartition(":")[2]
    forged = signing.dumps({"nft": nft["id"] + 1, "key": "00" * 32, "exp": 2**40}, salt="x")
    assert refused(api.get(readings_url(nft["id"], forged.rpartition(":")[0] + ":" + signature)))
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert refused(api.get(readings_url(nft["id"], flipped)))
    assert refused(api.get(readings_url(nft["id"], "x" * 600)))


def test_a_foreign_token_is_refused(nft, token, api, carol):
    """Signed with another site's key, or with ours for another purpose (another salt)."""
    far = datetime.now(UTC) + timedelta(hours=1)
    with override_settings(SECRET_KEY="another-deployment"):
        elsewhere = tokens.issue(nft["id"], carol.public_key, far)
    assert refused(api.get(readings_url(nft["id"], elsewhere)))
    claims = {"nft": nft["id"], "key": carol.public_key, "exp": int(far.timestamp())}
    assert refused(api.get(readings_url(nft["id"], signing.dumps(claims))))


def test_an_expired_token_is_refused(nft, token, api):
    with later(hours=1, seconds=1):
        assert refused(api.get(readings_url(nft["id"], token)))


def test_a_token_dies_with_the_subscription_it_came_from(
    nft, publish, subscribe, access, alice, carol, fund, api
):
    publish(carol, nft["id"], hourly(2))
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    with later(minutes=30):  # half-way: the token ends with the subscription, not in 1 h
        token = access(alice, nft["id"], issued_at=stamp()).json()["token"]
    with later(minutes=59):
        assert api.get(readings_url(nft["id"], token)).status_code == 200
    with later(hours=1, seconds=1):
        assert refused(api.get(readings_url(nft["id"], token)))


def test_an_old_owners_token_dies_with_the_transfer(nft, token, actions, carol, bob, api):
    actions.post(
        f"/api/data-nfts/{nft['id']}/transfer",
        carol,
        "transfer_data_nft",
        {"nft_id": nft["id"], "to": bob.address},
    )
    assert refused(api.get(readings_url(nft["id"], token)))


def test_refused_reads_are_not_counted(nft, token, api):
    api.get(readings_url(nft["id"], "nope"))
    assert not DataAccess.objects.filter(kind="readings").exists()


def test_mallory_gets_no_token_and_no_readings(nft, token, access, mallory, api):
    assert refused(access(mallory, nft["id"]))
    assert refused(api.get(readings_url(nft["id"])))
