"""The overview: the intro, market stats, the newest jobs and the latest batches, with
empty states that say what to do next; the market section comes alone for a socket
reconnect (and is pushed when a batch settles: tests/intents/test_pages.py)."""

import pytest

from tests.conftest import DOT, USDT
from tests.datanft.conftest import METADATA
from tests.intents.support import RESERVE_DOT, RESERVE_USDT, Trader, close_window
from tests.jobs.market import register, step, submit

pytestmark = pytest.mark.django_db


def market_section(page: str) -> str:
    return page.split('<section id="pm-market"')[1].split("</section>")[0]


def test_an_empty_market_says_what_to_do_next(client):
    page = client.get("/").content.decode()
    assert "A decentralized marketplace for AI compute and data" in page  # the intro stays
    assert '<a href="/jobs/"><strong>Buy compute →</strong>' in page  # the markets are links
    market = market_section(page)
    assert "No jobs yet" in market and "Post the first AI job</a>" in market
    assert 'No trades yet. <a href="/trade/">Submit a sealed intent</a>' in market
    assert 'data-pm-stat="volume">—<' in market


def test_the_stats_count_open_jobs_providers_and_data_nfts(client, actions, fund, alice, bob):
    fund(alice, 100 * DOT)
    fund(bob, 300 * DOT)
    register(actions, bob)
    for _ in range(2):
        assert submit(actions, alice).status_code == 201
    assert actions.post("/api/data-nfts", alice, "mint_data_nft", METADATA).status_code == 201
    market = market_section(client.get("/").content.decode())
    assert 'data-pm-stat="open_jobs">2<' in market
    assert 'data-pm-stat="providers">1<' in market
    assert 'data-pm-stat="data_nfts">1<' in market
    assert 'data-pm-stat="batches">0<' in market


def test_new_jobs_are_listed_newest_first_with_their_budget(client, actions, fund, alice):
    fund(alice, 100 * DOT)
    first = submit(actions, alice, budget=str(2 * DOT)).json()["id"]
    second = submit(actions, alice, budget=str(DOT // 2)).json()["id"]
    feed = client.get("/").content.decode().split('id="pm-feed-jobs"')[1].split("</article>")[0]
    assert feed.index(f'data-job-id="{second}"') < feed.index(f'data-job-id="{first}"')
    assert "0.5 DOT budget" in feed and "2 DOT budget" in feed


def test_the_latest_batches_show_their_price_and_link_to_the_batch(
    client, settings, actions, fund, alice, bob
):
    from marketplace.intents.services import open_epoch, seed_pool

    settings.PM_BATCH_INTERVAL_SECONDS = 10**8  # one epoch for the whole test
    seed_pool("DOT", "USDT", RESERVE_DOT, RESERVE_USDT, fee_bps=30, key="test:pool")
    epoch = open_epoch()
    trader = Trader(actions, {"batch_id": epoch.pk, "public_key": epoch.public_key})
    fund(alice, 100 * DOT)
    fund(bob, 100 * USDT, "USDT")
    trader.intent(alice, "DOT", "USDT", 20 * DOT, 10 * DOT, 45 * USDT)
    trader.intent(bob, "USDT", "DOT", 60 * USDT, 60 * USDT, 11 * DOT)
    close_window(epoch.pk)
    assert trader.settle()
    market = market_section(client.get("/").content.decode())
    feed = market.split('id="pm-feed-batches"')[1].split("</article>")[0]
    assert f'href="/trade/batches/{epoch.pk}/"' in feed
    assert "2 executed, 0 dropped" in feed and "1 DOT = " in feed
    assert 'data-pm-stat="batches">1<' in market
    volume = market.split('data-pm-stat="volume">')[1].split("</span>")[0]
    assert "10 DOT" in volume and "60 USDT" in volume


def test_a_reconnecting_page_gets_just_the_market_section(client):
    html = client.get("/", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<section id="pm-market"') and "<html" not in html


def test_a_signed_in_wallet_sees_its_own_jobs_bids_data_and_trades(
    client, actions, fund, alice, bob
):
    fund(alice, 100 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob)
    job = submit(actions, alice).json()
    assert step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=600).status_code == 201
    actions.client = client  # the test client keeps the session cookie
    assert actions.post("/api/auth/login", alice, "login", {}).status_code == 200
    page = client.get("/").content.decode()
    mine = page[page.index('id="pm-my-jobs"') : page.index('id="pm-my-bids"')]
    assert f'href="/jobs/{job["id"]}/"' in mine and "10 DOT budget" in mine
    assert "No bids." in page and "No trades." in page and "No data yet." in page

    assert actions.post("/api/auth/login", bob, "login", {}).status_code == 200
    bids = client.get("/").content.decode().split('id="pm-my-bids"')[1].split("</article>")[0]
    assert f'href="/jobs/{job["id"]}/">Job #{job["id"]}</a> · 1 DOT' in bids
