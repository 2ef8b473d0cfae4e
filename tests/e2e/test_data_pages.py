"""Data NFTs in the browser: a data owner mints and publishes, a subscriber subscribes
and reads the readings as a chart, filters narrow the catalogue, a wrong value shows
its error next to its field."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import DOT
from tests.datanft.conftest import METADATA
from tests.e2e.conftest import shoot, sign_in

pytestmark = pytest.mark.e2e


def traffic(hours: int) -> list[dict]:
    """Hourly vehicle counts up to the last full hour: two rush hours a day."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    readings = []
    for n in range(hours):
        ts = end - timedelta(hours=hours - 1 - n)
        rush = math.exp(-(((ts.hour - 8) / 1.5) ** 2)) + math.exp(-(((ts.hour - 17) / 2) ** 2))
        readings.append({"ts": ts.isoformat(), "value": round(40 + 260 * rush + 7 * (n % 3))})
    return readings


@pytest.fixture
def traffic_nft(actions, carol) -> int:
    """carol's (//Charlie's) subscription NFT at 0.01 DOT per hour, with two days of
    readings."""
    minted = actions.post(
        "/api/data-nfts",
        carol,
        "mint_data_nft",
        {**METADATA, "price_per_hour": str(DOT // 100)},
    )
    nft_id = minted.json()["id"]
    params = {"nft_id": nft_id, "readings": traffic(48)}
    assert actions.post(
        f"/api/data-nfts/{nft_id}/readings", carol, "publish_readings", params
    ).json()["published"]
    return nft_id


def test_a_data_owner_mints_and_publishes_readings_from_the_page(open_as):
    page = open_as("Charlie", "/data/mine/")
    sign_in(page)
    page.wait_for_selector("#pm-my-nfts >> text=You have no Data NFTs yet")
    form = "form[data-action=mint_data_nft]"
    page.fill(f"{form} [name=name]", "Air quality — Harbour")
    page.select_option(f"{form} [name=category]", "iot")
    page.fill(f"{form} [name=sensor_type]", "PM2.5 optical")
    page.fill(f"{form} [name=update_frequency]", "hourly")
    page.fill(f"{form} [name=location]", "Harbour pier 3")
    page.fill(f"{form} [name=description]", "Fine particles, µg/m³, one reading an hour.")
    page.fill(f"{form} [name=content_ref]", "ipfs://bafyharbourpm25")
    page.fill(f"{form} [name=price_per_hour]", "0.02")
    page.click(f"{form} button")
    card = page.wait_for_selector(".pm-nft:has-text('Air quality — Harbour')")
    assert "0.02 DOT per hour" in card.inner_text()
    assert "0 readings" in card.inner_text()

    card.query_selector("summary").click()
    card.query_selector("textarea[name=readings]").fill(json.dumps(traffic(24)))
    card.query_selector("form[data-action=publish_readings] button").click()
    page.wait_for_selector("[data-pm-readings-count='24']")
    assert page.is_visible(".pm-nft [data-pm-chart]")


def test_a_subscriber_subscribes_and_reads_the_readings_as_a_chart(
    open_as, fund, alice, traffic_nft
):
    fund(alice, 5 * DOT)
    page = open_as("Alice", f"/data/{traffic_nft}/")
    sign_in(page)
    page.wait_for_selector("[data-pm-subscription=none]")
    # Before paying: a sample of the stream and the total as the hours are typed.
    assert len(page.query_selector_all("#pm-sample tbody tr")) == 5
    assert "48 readings" in page.inner_text("#pm-sample")
    page.fill("form[data-action=purchase_subscription] [name=hours]", "10")
    page.wait_for_selector("[data-pm-total-amount] >> text=0.1 DOT")
    page.click("form[data-action=purchase_subscription] button")
    page.wait_for_selector("[data-pm-subscription=active] >> text=in 10 hours")
    # The header balance follows over the socket: 5 DOT - 10 h at 0.01 DOT.
    page.wait_for_selector("#pm-header-balances >> text=4.9 DOT")
    receipt = page.inner_text("[data-pm-receipts] tbody tr")
    assert "0.1 DOT" in receipt and "10" in receipt

    page.click("form[data-action=access_data] button")
    page.wait_for_selector("#pm-readings [data-pm-chart][data-pm-chart-ready] canvas")
    rows = page.query_selector_all("#pm-readings .pm-scroll tbody tr")
    assert len(rows) == 24
    assert page.is_visible("#pm-readings .u-legend")  # uPlot drew, styled by its own CSS
    # The usage panel counted the token and the read, live: no reload.
    page.wait_for_selector("#pm-usage [data-pm-accesses='2']")
    shoot(page, "data-buy")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_catalogue_filters_as_you_type(open_as, traffic_nft, actions, alice):
    actions.post(
        "/api/data-nfts",
        alice,
        "mint_data_nft",
        {
            **METADATA,
            "name": "DOT/USDT spot price",
            "category": "financial",
            "sensor_type": "exchange ticker",
            "price_per_hour": str(DOT // 1000),
        },
    )
    page = open_as("Alice", "/data/")
    page.wait_for_selector("#pm-data-results >> text=2 data streams")
    page.fill("#pm-data-filters [name=q]", "ticker")
    page.wait_for_selector("#pm-data-results >> text=1 data stream")
    assert "DOT/USDT spot price" in page.inner_text("#pm-data-results")
    assert "City traffic" not in page.inner_text("#pm-data-results")
    assert "q=ticker" in page.url  # the filtered view can be bookmarked
    page.fill("#pm-data-filters [name=q]", "")
    page.wait_for_selector("#pm-data-results >> text=2 data streams")


def test_a_wrong_price_shows_the_apis_message_next_to_the_field(open_as):
    page = open_as("Charlie", "/data/mine/")
    sign_in(page)
    form = "form[data-action=mint_data_nft]"
    for name, value in {
        "name": "Open weather",
        "sensor_type": "anemometer",
        "update_frequency": "10 min",
        "content_ref": "https://example.org/weather",
        "price_per_hour": "1",
    }.items():
        page.fill(f"{form} [name={name}]", value)
    page.select_option(f"{form} [name=access_policy]", "public")
    page.click(f"{form} button")
    error = page.wait_for_selector(f"{form} [data-error-for=price_per_hour]:not(:empty)")
    assert "A public Data NFT is free: 0." in error.inner_text()
    assert "You have no Data NFTs yet" in page.inner_text("#pm-my-nfts")
