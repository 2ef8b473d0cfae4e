"""The living demo's traders against a real server: each epoch //Eve and //Ferdie seal
opposite DOT/USDT intents and two routed ones (KSM → USDT → DOT, ASTR → USDT → KSM)
with the minimum the quote suggests; the batch settles them all and verifies."""

import io

import pytest

from marketplace.agents.demo_market import DemoMarket
from marketplace.core.demo import FUNDING
from tests import stack
from tests.conftest import _persona

pytestmark = pytest.mark.slow


def test_the_demo_traders_seal_direct_and_routed_intents_that_all_settle(transactional_db, fund):
    from marketplace.intents import demo
    from marketplace.intents.models import Intent
    from marketplace.intents.selectors import verify_batch
    from marketplace.intents.services import settle_batch

    demo.seed(io.StringIO())
    for uri in ("//Eve", "//Ferdie"):
        for asset, amount in FUNDING.items():
            fund(_persona(uri), amount, asset)

    with stack.web_server("demo-trades-web", PM_BATCH_INTERVAL_SECONDS="600") as url:
        DemoMarket(url).trade()

    batch_id = Intent.objects.values_list("batch_id", flat=True).first()
    assert settle_batch(batch_id)
    assert sorted((tuple(i.route), i.status) for i in Intent.objects.all()) == [
        (("ASTR", "USDT", "KSM"), "executed"),
        (("DOT", "USDT"), "executed"),
        (("KSM", "USDT", "DOT"), "executed"),
        (("USDT", "DOT"), "executed"),
    ]
    assert verify_batch(batch_id) == []
