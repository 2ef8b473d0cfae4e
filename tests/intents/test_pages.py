"""The trade pages: pools and the epoch countdown, the sealed-intent form, my intents
(live on `intent.status`), the batch history with its chart, the batch page with its
verification, and what a settled batch pushes to every page."""

import json
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from marketplace.intents.models import Batch
from marketplace.realtime.live import render_event
from polkamesh_web.asgi import application
from tests.conftest import DOT, USDT
from tests.intents.support import close_window

pytestmark = pytest.mark.django_db


def sign_in(client, actions, signer):
    actions.client = client  # the Django test client keeps the session cookie
    assert actions.post("/api/auth/login", signer, "login", {}).status_code == 200


def chart_data(page: str, chart_id: str) -> dict:
    """The JSON of `{{ …|json_script:chart_id }}` in a rendered page."""
    start = page.index(f'<script id="{chart_id}" type="application/json">') + len(chart_id) + 38
    return json.loads(page[start : page.index("</script>", start)])


@pytest.fixture
def settled(trader, fund, alice, bob) -> int:
    """A settled batch: alice sells 10 DOT, bob sells 60 USDT (a coincidence of wants),
    and alice's second intent asks for an impossible minimum and is dropped."""
    fund(alice, 100 * DOT)
    fund(bob, 100 * USDT, "USDT")
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 45 * USDT)
    trader.intent(alice, "DOT", "USDT", 5 * DOT, 5 * DOT, 1000 * USDT)
    trader.intent(bob, "USDT", "DOT", 60 * USDT, 60 * USDT, 11 * DOT)
    close_window(trader.epoch["batch_id"])
    assert trader.settle()
    return trader.epoch["batch_id"]


# ---- trade page ---------------------------------------------------------------------


def test_a_visitor_sees_pools_the_countdown_and_is_asked_to_sign_in(client, epoch):
    page = client.get("/trade/").content.decode()
    assert "1 DOT = 5 USDT" in page  # spot price in whole units
    assert "10,000 DOT" in page and "50,000 USDT" in page
    assert f"Batch #{epoch['batch_id']}" in page
    assert 'hx-trigger="every 5s, pm:refresh from:body"' in page
    assert "<progress data-pm-window value=" in page
    assert "Sign in with your wallet to submit a sealed intent" in page
    assert 'data-action="submit_intent"' not in page
    assert 'href="/trade/"' in page  # the nav's Trade link


def test_without_pools_the_page_says_how_trading_opens(client):
    page = client.get("/trade/").content.decode()
    assert "No pools yet" in page and "seed_pool" in page
    assert "No batch has settled an intent yet" in page


def test_a_signed_in_trader_gets_the_sealing_form_and_an_empty_list(client, actions, pool, alice):
    sign_in(client, actions, alice)
    page = client.get("/trade/").content.decode()
    assert 'data-seal="amount_in,min_output"' in page
    assert 'data-seal-key-url="/api/intents/epoch" data-seal-copy="batch_id"' in page
    assert 'data-fragment-url="/trade/intents"' in page
    assert "What is sealed, and what is the lock?" in page
    assert "No intents yet" in page


def test_a_sealed_intent_shows_its_lock_but_no_amounts(client, actions, trader, fund, alice):
    fund(alice, 100 * DOT)
    intent_id = trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 45 * USDT)
    sign_in(client, actions, alice)
    html = client.get("/trade/intents").content.decode()
    assert f'data-intent-id="{intent_id}" data-intent-status="sealed"' in html
    assert "20 DOT" in html and f"sealed until batch #{trader.epoch['batch_id']} closes" in html
    assert 'data-action="cancel_intent"' in html


def test_my_intents_show_what_each_settled_intent_got(client, actions, settled, alice, bob):
    sign_in(client, actions, alice)
    html = client.get("/trade/intents").content.decode()
    assert html.count('data-intent-status="executed"') == 1
    assert html.count('data-intent-status="dropped"') == 1
    assert "(min 45 USDT)" in html and "nothing swapped; the lock came back" in html
    assert 'data-action="cancel_intent"' not in html
    assert "60 USDT" not in html  # bob's intent is his


def test_a_dropped_intent_says_why_in_words_on_the_trade_page_and_the_overview(
    client, actions, settled, alice
):
    sign_in(client, actions, alice)
    why = "The batch price would have paid less than your minimum."
    for path in ("/trade/intents", "/"):
        html = client.get(path).content.decode()
        assert why in html and ">min_output<" not in html


def test_the_history_lists_traded_batches_with_prices_and_a_chart(client, settled):
    page = client.get("/trade/").content.decode()
    assert f'data-batch-id="{settled}"' in page
    assert f'href="/trade/batches/{settled}/"' in page
    row = page.split(f'data-batch-id="{settled}"')[1].split("</tr>")[0]
    assert "<td>2 / 1</td>" in row  # executed / dropped
    chart = chart_data(page, "pm-price-chart")
    assert [s["label"] for s in chart["series"]] == ["USDT per DOT"]
    assert len(chart["x"]) == 1 and 4 < chart["series"][0]["values"][0] < 6


def test_empty_batches_make_no_history(client, pool, epoch):
    from marketplace.intents.services import settle_batch

    close_window(epoch["batch_id"])
    assert settle_batch(epoch["batch_id"])
    page = client.get("/trade/").content.decode()
    assert f'data-batch-id="{epoch["batch_id"]}"' not in page
    assert "No batch has settled an intent yet" in page


def test_the_history_is_paginated(client, pool, epoch, actions, fund, alice):
    from marketplace.intents.services import open_epoch, settle_batch
    from tests.intents.support import Trader

    fund(alice, 100 * DOT)
    ids = []
    for n in range(11):
        current = open_epoch()
        batch = {"batch_id": current.pk, "public_key": current.public_key}
        Trader(actions, batch).intent(alice, "DOT", "USDT", DOT, DOT, USDT)
        close_window(current.pk)
        assert settle_batch(current.pk)
        # Each settled batch keeps a window of its own (opens_at is unique).
        past = timezone.now() - timedelta(hours=n + 1)
        Batch.objects.filter(pk=current.pk).update(opens_at=past, closes_at=past + timedelta(1))
        ids.append(current.pk)
    first = client.get("/trade/history").content.decode()
    second = client.get("/trade/history?page=2").content.decode()
    assert "Page 1 of 2" in first and "Older →" in first
    assert f'data-batch-id="{ids[0]}"' in second and f'data-batch-id="{ids[0]}"' not in first


def test_the_epoch_fragment_counts_down(client, epoch):
    html = client.get("/trade/epoch").content.decode()
    assert html.lstrip().startswith('<article id="pm-epoch"')
    assert "data-pm-seconds-left=" in html and "<html" not in html


# ---- batch page ---------------------------------------------------------------------


def test_a_settled_batch_shows_its_pairs_key_and_a_match(client, settled):
    batch = Batch.objects.get(pk=settled)
    page = client.get(f"/trade/batches/{settled}/").content.decode()
    assert 'data-pair="DOT-USDT"' in page
    assert "1 DOT = " in page and " USDT" in page
    assert batch.secret_key in page and "data-pm-secret-key" in page
    assert f"python manage.py verify_batch {settled}" in page
    assert 'data-pm-verified="match"' in page


def test_a_tampered_batch_shows_a_mismatch(client, settled):
    from marketplace.intents.models import BatchPair

    BatchPair.objects.filter(batch_id=settled).update(executed=7)
    page = client.get(f"/trade/batches/{settled}/").content.decode()
    assert 'data-pm-verified="mismatch"' in page and "executed recorded 7" in page


def test_an_open_batch_keeps_its_key_secret(client, trader, fund, alice):
    fund(alice, 10 * DOT)
    trader.intent(alice, "DOT", "USDT", DOT, DOT, USDT)
    page = client.get(f"/trade/batches/{trader.epoch['batch_id']}/").content.decode()
    assert "kept secret until the batch settles" in page
    assert "data-pm-secret-key" not in page and "data-pm-verified" not in page
    assert "Results appear when the batch settles" in page


def test_an_unknown_batch_is_404(client):
    assert client.get("/trade/batches/999999/").status_code == 404


# ---- live ---------------------------------------------------------------------------


def test_a_status_change_pushes_the_traders_intents(settled, alice):
    from marketplace.wallets.selectors import wallet_for_key

    wallet = wallet_for_key(alice.public_key)
    html = render_event(wallet, "intent.status", {"id": 1})
    assert html.lstrip().startswith('<section id="pm-my-intents" hx-swap-oob="true"')
    assert 'data-intent-status="executed"' in html
    assert render_event(None, "intent.status", {"id": 1}) == ""


def test_a_settled_batch_pushes_the_trade_page_and_the_overview(settled):
    html = render_event(None, "batch.settled", {"id": settled})
    for section in ('article id="pm-epoch"', 'article id="pm-pools"', 'section id="pm-history"'):
        assert f'<{section} hx-swap-oob="true"' in html
    assert '<section id="pm-market" hx-swap-oob="true"' in html
    assert f'data-batch-id="{settled}"' in html


@pytest.mark.django_db(transaction=True)
async def test_an_anonymous_page_hears_a_batch_settle(pool):
    from asgiref.sync import sync_to_async

    from marketplace.intents.services import open_epoch, settle_batch

    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await communicator.connect()
    assert connected

    def settle():
        batch_id = open_epoch().pk
        close_window(batch_id)
        assert settle_batch(batch_id)

    await sync_to_async(settle)()
    html = await communicator.receive_from(timeout=5)
    assert '<article id="pm-epoch" hx-swap-oob="true"' in html
    await communicator.disconnect()
