import pytest
from channels.testing import WebsocketCommunicator

from polkamesh_web.asgi import application
from tests.conftest import DOT

pytestmark = pytest.mark.django_db


def sign_in(client, actions, signer):
    actions.client = client  # the Django test client keeps the session cookie
    response = actions.post("/api/auth/login", signer, "login", {})
    assert response.status_code == 200


def test_the_wallet_page_asks_a_visitor_to_sign_in(client):
    response = client.get("/wallet/")
    assert response.status_code == 200
    assert b"Sign in with your wallet to see your balances" in response.content
    assert b"data-pm-connect" in response.content


def test_the_wallet_page_shows_balances_in_whole_units_and_the_statement(client, actions, alice):
    sign_in(client, actions, alice)
    actions.post("/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(15 * DOT // 10)})
    page = client.get("/wallet/").content.decode()
    assert alice.address in page
    assert "1.5 DOT" in page
    assert "+1.5 DOT" in page  # the statement's faucet line


def test_the_statement_says_what_happened_in_words_with_a_link(client, actions, alice, bob):
    from tests.jobs.market import register, submit

    actions.post("/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(50 * DOT)})
    actions.post("/api/faucet", bob, "faucet", {"asset": "DOT", "amount": str(500 * DOT)})
    register(actions, bob)
    job = submit(actions, alice).json()
    sign_in(client, actions, alice)
    page = client.get("/wallet/").content.decode()
    assert f'Budget held in escrow · <a href="/jobs/{job["id"]}/">job #{job["id"]}</a>' in page
    assert "Test funds from the faucet" in page
    assert "escrow_hold" not in page.replace('data-kind="escrow_hold"', "")
    assert f"job:{job['id']}" not in page


def test_the_statement_fragment_pages_through_movements(client, actions, alice):
    sign_in(client, actions, alice)
    for _ in range(21):
        actions.post("/api/faucet", alice, "faucet", {"asset": "USDT", "amount": "1"})
    first = client.get("/wallet/statement").content.decode()
    second = client.get("/wallet/statement?page=2").content.decode()
    assert "Page 1 of 2" in first and "Older" in first
    assert "Page 2 of 2" in second and first.count("<tr") == 21  # 20 rows + header


@pytest.mark.django_db(transaction=True)
async def test_a_signed_in_page_receives_its_balances_as_out_of_band_html(client, actions, alice):
    from asgiref.sync import sync_to_async

    await sync_to_async(sign_in)(client, actions, alice)
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
    await sync_to_async(actions.post)(
        "/api/faucet", alice, "faucet", {"asset": "DOT", "amount": str(2 * DOT)}
    )
    html = await communicator.receive_from(timeout=5)
    assert 'id="pm-header-balances" class="pm-balances" hx-swap-oob="true"' in html
    assert "2 DOT" in html
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_live_socket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        ("http://localhost:8000", "localhost:8000", True),
        ("http://localhost:8001", "localhost:8000", False),  # another port of the host
        ("https://localhost:8000", "localhost:8000", False),  # another scheme
        ("http://localhost", "localhost:8000", False),
        ("http://evil.example:8000", "evil.example:8000", False),  # not an allowed host
        ("null", "localhost:8000", False),
    ],
)
async def test_a_live_socket_must_come_from_the_pages_own_origin(origin, host, accepted):
    communicator = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", origin.encode()), (b"host", host.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected is accepted
    await communicator.disconnect()
