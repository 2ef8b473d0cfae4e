"""Intent fixtures: a seeded DOT/USDT pool, the current epoch, a trader."""

import pytest

from tests.intents.support import RESERVE_DOT, RESERVE_USDT, Trader


@pytest.fixture(autouse=True)
def _long_epochs(settings):
    """Epochs follow a wall-clock grid: a long interval keeps a test from straddling a
    slot boundary (tests close windows explicitly with `close_window`)."""
    settings.PM_BATCH_INTERVAL_SECONDS = 10**8


@pytest.fixture
def pool(db):
    from marketplace.intents.services import seed_pool

    return seed_pool("DOT", "USDT", RESERVE_DOT, RESERVE_USDT, fee_bps=30, key="test:pool")


@pytest.fixture
def epoch(api, pool) -> dict:
    response = api.get("/api/intents/epoch")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def trader(actions, epoch) -> Trader:
    return Trader(actions, epoch)
