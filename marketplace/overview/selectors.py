"""The overview page reads every market: it stands above them all, so no market app
(nor core) imports it."""

from marketplace.datanft import selectors as datanft_selectors
from marketplace.intents import selectors as intents_selectors
from marketplace.jobs import selectors as jobs_selectors
from marketplace.providers import selectors as providers_selectors

FEED_JOBS = 8
FEED_BATCHES = 5
DASHBOARD_ROWS = 4


def market_context() -> dict:
    """The overview's market section: public stats, the newest jobs, the latest traded
    batches (also pushed live when a batch settles: fragments.py)."""
    return {
        "stats": {
            "open_jobs": jobs_selectors.open_jobs().count(),
            "providers": providers_selectors.active_providers_count(),
            "data_nfts": datanft_selectors.nfts_count(),
            **intents_selectors.batch_stats(),
        },
        "jobs": jobs_selectors.jobs()[:FEED_JOBS],
        "batches": intents_selectors.traded_batches()[:FEED_BATCHES],
    }


def dashboard(public_key: str) -> dict:
    """What the signed-in wallet has going on in each market, a few newest rows each:
    the jobs it posted, its bids as a provider, its Data NFTs and subscriptions, its
    sealed trades."""
    rows = DASHBOARD_ROWS
    return {
        "my_jobs": jobs_selectors.jobs(owner=public_key)[:rows],
        "my_bids": jobs_selectors.bids_of(public_key)[:rows],
        "my_nfts": datanft_selectors.nfts(owner=public_key)[:rows],
        "my_subscriptions": datanft_selectors.subscriptions_of(public_key)[:rows],
        "my_trades": intents_selectors.intents_of(public_key)[:rows],
    }
