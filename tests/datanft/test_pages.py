"""The Data NFT pages: catalogue, detail with readings, "my data", and the live update
when a subscription ends."""

import json
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from marketplace.datanft import services
from marketplace.datanft.models import DataAccess, Subscription
from polkamesh_web.asgi import application
from tests.conftest import DOT
from tests.datanft.conftest import hourly

pytestmark = pytest.mark.django_db


def sign_in(client, actions, signer):
    actions.client = client  # the Django test client keeps the session cookie
    assert actions.post("/api/auth/login", signer, "login", {}).status_code == 200


def chart_data(page: str, chart_id: str) -> dict:
    """The JSON of `{{ …|json_script:chart_id }}` in a rendered page."""
    start = page.index(f'<script id="{chart_id}" type="application/json">') + len(chart_id) + 38
    return json.loads(page[start : page.index("</script>", start)])


@pytest.fixture
def subscribed(nft, fund, subscribe, alice):
    fund(alice, 5 * DOT)
    assert subscribe(alice, nft["id"], 10).status_code == 200
    return nft


# ---- catalogue ----------------------------------------------------------------------


def test_the_empty_catalogue_tells_a_visitor_to_sign_in_to_mint(client):
    page = client.get("/data/").content.decode()
    assert "No data streams yet" in page
    assert "Sign in with your wallet to mint the first one" in page


def test_the_empty_catalogue_links_a_signed_in_wallet_to_minting(client, actions, alice):
    sign_in(client, actions, alice)
    page = client.get("/data/").content.decode()
    assert 'href="/data/mine/">Mint the first one</a>' in page


def test_the_catalogue_lists_nfts_with_their_price_in_whole_units(client, nft, public_nft):
    page = client.get("/data/").content.decode()
    assert "City traffic — Main St. sensor" in page and "0.1 DOT</strong> per hour" in page
    assert "Air quality — open data" in page and "<strong>Free</strong> · public data" in page
    assert "ipfs://" not in page  # where the data lives is for readers only
    assert 'href="/data/"' in page  # the nav's Data link


def test_the_filters_narrow_the_results(client, mint, carol, alice):
    mint(carol)
    mint(alice, name="Spot price feed", category="financial", sensor_type="exchange ticker")
    by_category = client.get("/data/?category=financial").content.decode()
    by_text = client.get("/data/?q=TICKER").content.decode()
    by_owner = client.get(f"/data/?owner={carol.address}").content.decode()
    assert "Spot price feed" in by_category and "City traffic" not in by_category
    assert "Spot price feed" in by_text and "City traffic" not in by_text
    assert "City traffic" in by_owner and "Spot price feed" not in by_owner


def test_an_htmx_filter_request_gets_only_the_results(client, nft):
    response = client.get("/data/?q=traffic&category=", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="pm-data-results"')
    assert "City traffic" in html and "<html" not in html


def test_filters_that_match_nothing_say_what_to_do(client, nft):
    page = client.get("/data/?q=volcano").content.decode()
    assert "No data stream matches these filters" in page


def test_a_malformed_owner_is_shown_next_to_the_field(client, nft):
    page = client.get("/data/?owner=not-an-address").content.decode()
    assert "Not a valid SS58 address." in page
    assert "City traffic" not in page


def test_the_catalogue_is_paginated(client, mint, carol):
    for n in range(13):
        mint(carol, name=f"Sensor {n}")
    first = client.get("/data/").content.decode()
    second = client.get("/data/?page=2").content.decode()
    assert "13 data streams" in first and "Page 1 of 2" in first and "Sensor 12" in first
    assert "Sensor 0" in second and "Sensor 12" not in second


# ---- detail ---------------------------------------------------------------------------


def test_the_detail_page_shows_metadata_and_usage_to_a_visitor(client, subscribed):
    page = client.get(f"/data/{subscribed['id']}/").content.decode()
    assert "inductive loop" in page and "0.1 DOT</strong> per hour" in page
    assert "0.975 DOT" in page  # 10 h at 0.1 DOT, net of the 2.5% fee
    assert "Sign in with your wallet to subscribe and read this data" in page
    assert "ipfs://" not in page
    usage = chart_data(page, "pm-usage-chart")
    assert len(usage["x"]) == 14 and usage["series"][0]["values"][-1] == 0


def test_an_unknown_nft_is_404(client):
    assert client.get("/data/999/").status_code == 404


def test_a_wallet_without_a_subscription_is_offered_one(client, actions, nft, bob):
    sign_in(client, actions, bob)
    page = client.get(f"/data/{nft['id']}/").content.decode()
    assert 'data-pm-subscription="none"' in page
    assert 'data-action="purchase_subscription"' in page
    assert 'data-action="access_data"' not in page


def test_a_subscriber_can_get_access_and_sees_where_the_data_lives(
    client, actions, subscribed, alice
):
    sign_in(client, actions, alice)
    page = client.get(f"/data/{subscribed['id']}/").content.decode()
    assert 'data-pm-subscription="active"' in page and "Extend subscription" in page
    assert 'data-action="access_data"' in page
    assert subscribed["content_ref"] in page


def test_the_owner_is_not_offered_a_subscription(client, actions, nft, carol):
    sign_in(client, actions, carol)
    page = client.get(f"/data/{nft['id']}/").content.decode()
    assert "You own this stream" in page
    assert 'data-action="purchase_subscription"' not in page


def test_the_readings_fragment_charts_the_readings_behind_a_token(
    client, subscribed, access, publish, alice, carol
):
    publish(carol, subscribed["id"], hourly(60))
    token = access(alice, subscribed["id"]).json()["token"]
    html = client.get(f"/data/{subscribed['id']}/readings", {"token": token}).content.decode()
    chart = chart_data(html, "pm-readings-chart")
    assert chart["series"][0]["values"] == list(range(60))
    assert chart["x"][1] - chart["x"][0] == 3600
    assert html.count("<tr>") == 25  # the newest 24 + the header
    assert DataAccess.objects.filter(kind="readings").count() == 1


def test_a_bad_token_is_refused_with_what_to_do(client, nft):
    html = client.get(f"/data/{nft['id']}/readings", {"token": "forged"}).content.decode()
    assert "Get access again" in html
    assert DataAccess.objects.count() == 0


# ---- my data ------------------------------------------------------------------------


def test_my_data_asks_a_visitor_to_sign_in(client):
    page = client.get("/data/mine/").content.decode()
    assert "Sign in with your wallet to mint Data NFTs" in page
    assert 'data-action="mint_data_nft"' not in page


def test_my_data_starts_empty_with_the_mint_form_open(client, actions, bob):
    sign_in(client, actions, bob)
    page = client.get("/data/mine/").content.decode()
    assert "<details open>" in page and 'data-action="mint_data_nft"' in page
    assert "You have no Data NFTs yet" in page
    assert "No subscriptions." in page


def test_my_data_shows_each_nfts_usage_and_earnings(client, actions, subscribed, publish, carol):
    publish(carol, subscribed["id"], hourly(3))
    sign_in(client, actions, carol)
    page = client.get("/data/mine/").content.decode()
    assert "3 readings" in page and "0.975 DOT" in page
    assert f'action="/api/data-nfts/{subscribed["id"]}/readings"' in page
    earnings = chart_data(page, f"pm-earnings-{subscribed['id']}")
    assert earnings["series"][0]["values"][-1] == 0.975
    fragment = client.get("/data/mine/nfts").content.decode()
    assert fragment.lstrip().startswith('<section id="pm-my-nfts"')


def test_my_data_lists_my_subscriptions(client, actions, subscribed, alice):
    sign_in(client, actions, alice)
    page = client.get("/data/mine/").content.decode()
    assert 'id="pm-my-subscriptions"' in page and "active" in page
    assert f'href="/data/{subscribed["id"]}/">City traffic' in page


# ---- live ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_an_ended_subscription_updates_the_subscribers_page_live(
    client, actions, mint, subscribe, fund, alice, carol
):
    from asgiref.sync import sync_to_async

    def arrange():
        nft = mint(carol)
        fund(alice, DOT)
        subscribe(alice, nft["id"], 1)
        sign_in(client, actions, alice)
        return nft["id"]

    nft_id = await sync_to_async(arrange)()
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", cookie.encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected

    def end_it():
        past = timezone.now() - timedelta(seconds=1)
        Subscription.objects.filter(nft_id=nft_id).update(expires_at=past)
        assert services.expire_subscriptions() == 1

    await sync_to_async(end_it)()
    html = await communicator.receive_from(timeout=5)
    assert '<section id="pm-access" hx-swap-oob="true"' in html
    assert 'data-pm-subscription="ended"' in html and 'data-action="access_data"' not in html
    assert '<section id="pm-my-subscriptions" hx-swap-oob="true"' in html and "ended" in html
    await communicator.disconnect()


def live_socket(path: str = "/ws/live/") -> WebsocketCommunicator:
    """A visitor's page socket (no session)."""
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )


@pytest.mark.django_db(transaction=True)
async def test_an_access_updates_the_usage_panel_live(actions, mint, fund, alice, carol):
    from asgiref.sync import sync_to_async

    nft_id = (await sync_to_async(mint)(carol, access_policy="public", price_per_hour="0"))["id"]
    communicator = live_socket()
    connected, _ = await communicator.connect()
    assert connected

    grant = sync_to_async(
        lambda: actions.post(
            f"/api/data-nfts/{nft_id}/access", alice, "access_data", {"nft_id": nft_id}
        )
    )
    assert (await grant()).status_code == 200
    html = await communicator.receive_from(timeout=5)
    assert '<article id="pm-usage" hx-swap-oob="true"' in html
    assert 'data-pm-accesses="1"' in html
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_page_socket_replays_what_changed_between_the_render_and_its_connection(
    client, actions, mint, alice, carol
):
    """The page is read, an access happens, and only then the page's socket connects:
    its first message is the usage panel as it is now."""
    from asgiref.sync import sync_to_async

    nft_id = (await sync_to_async(mint)(carol, access_policy="public", price_per_hour="0"))["id"]
    page = (await sync_to_async(client.get)(f"/data/{nft_id}/")).content.decode()
    since = page.split('data-pm-live-since="', 1)[1].split('"', 1)[0]
    assert 'data-pm-accesses="0"' in page

    grant = sync_to_async(
        lambda: actions.post(
            f"/api/data-nfts/{nft_id}/access", alice, "access_data", {"nft_id": nft_id}
        )
    )
    assert (await grant()).status_code == 200
    communicator = live_socket(f"/ws/live/?since={since}")
    connected, _ = await communicator.connect()
    assert connected
    html = await communicator.receive_from(timeout=5)
    assert 'data-pm-accesses="1"' in html
    await communicator.disconnect()

    # Without `since` (or with one that is not a time) nothing is replayed.
    for path in ("/ws/live/", "/ws/live/?since=yesterday"):
        communicator = live_socket(path)
        assert (await communicator.connect())[0]
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
