import pytest

from tests.conftest import DOT
from tests.datanft.conftest import PRICE, code, hourly, later

pytestmark = pytest.mark.django_db


def stats(api, nft_id: int) -> dict:
    response = api.get(f"/api/data-nfts/{nft_id}/stats")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_fresh_nft_has_empty_stats(nft, api):
    assert stats(api, nft["id"]) == {
        "nft_id": nft["id"],
        "asset": "DOT",
        "accesses": 0,
        "job_uses": 0,
        "subscribers_active": 0,
        "subscriptions_sold": 0,
        "revenue": "0",
        "revenue_gross": "0",
        "last_access_at": None,
    }


def test_stats_count_sales_revenue_subscribers_and_accesses(
    nft, subscribe, access, publish, alice, bob, carol, fund, api
):
    fund(alice, 10 * DOT)
    fund(bob, 10 * DOT)
    subscribe(alice, nft["id"], 10)  # 1 DOT, fee 0.025
    subscribe(alice, nft["id"], 5)  # 0.5 DOT, fee 0.0125
    subscribe(bob, nft["id"], 2)  # 0.2 DOT, fee 0.005
    publish(carol, nft["id"], hourly(3))
    token = access(alice, nft["id"]).json()["token"]
    access(carol, nft["id"])
    api.get(f"/api/data-nfts/{nft['id']}/readings?token={token}")
    figures = stats(api, nft["id"])
    assert figures["subscriptions_sold"] == 3
    assert figures["subscribers_active"] == 2
    assert figures["revenue_gross"] == str(17 * PRICE) == "17000000000"
    # Net of fees: what the owner received, to the unit.
    assert figures["revenue"] == str(17 * PRICE - 425_000_000) == "16575000000"
    assert figures["accesses"] == 3  # two tokens issued, one read
    assert figures["last_access_at"] is not None


def test_subscribers_active_counts_only_running_subscriptions(
    nft, subscribe, alice, bob, fund, api
):
    fund(alice, DOT)
    fund(bob, DOT)
    subscribe(alice, nft["id"], 1)
    subscribe(bob, nft["id"], 3)
    with later(hours=2):
        figures = stats(api, nft["id"])
    assert figures["subscribers_active"] == 1
    assert figures["subscriptions_sold"] == 2


def test_stats_of_an_unknown_nft_are_not_found(api):
    response = api.get("/api/data-nfts/777/stats")
    assert (response.status_code, code(response)) == (404, "not_found")
