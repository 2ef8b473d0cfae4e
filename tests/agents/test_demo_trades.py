"""The living demo's traders against a real server: each epoch its two traders seal
opposite DOT/USDT intents and two routed ones (KSM → USDT → DOT, ASTR → USDT → KSM)
with the minimum the quote suggests; the batch settles them all and verifies. Then
its buyer asks for each pool's MEV risk score over the settled batches."""

import io
import json

import pytest

from marketplace.agents.demo_market import TRADER_A, TRADER_B, DemoMarket
from marketplace.core.demo import BUYER, FUNDING, uri
from tests import stack
from tests.conftest import _persona

pytestmark = pytest.mark.slow


def test_the_demo_traders_seal_direct_and_routed_intents_that_all_settle(transactional_db, fund):
    from marketplace.intents import demo
    from marketplace.intents.models import Intent
    from marketplace.intents.selectors import verify_batch
    from marketplace.intents.services import settle_batch

    demo.seed(io.StringIO())
    for trader in (TRADER_A, TRADER_B):
        for asset, amount in FUNDING.items():
            fund(_persona(trader), amount, asset)

    from marketplace.jobs.models import Job

    fund(_persona(uri(BUYER)), FUNDING["DOT"], "DOT")
    with stack.web_server("demo-trades-web", PM_BATCH_INTERVAL_SECONDS="600") as url:
        market = DemoMarket(url)
        market.trade()
        batch_id = Intent.objects.values_list("batch_id", flat=True).first()
        assert settle_batch(batch_id)
        market.post_mev_risk_jobs()

    assert sorted((tuple(i.route), i.status) for i in Intent.objects.all()) == [
        (("ASTR", "USDT", "KSM"), "executed"),
        (("DOT", "USDT"), "executed"),
        (("KSM", "USDT", "DOT"), "executed"),
        (("USDT", "DOT"), "executed"),
    ]
    assert verify_batch(batch_id) == []

    # One score per pool's pair, over a window that ends at the settled batch.
    jobs = Job.objects.filter(
        model_ref="builtin:mev_risk", owner__public_key=_persona(uri(BUYER)).public_key
    )
    windows = sorted(
        (json.loads(job.data_ref.removeprefix("inline:")) for job in jobs), key=lambda w: w["pair"]
    )
    assert [w["pair"] for w in windows] == ["ASTR-USDT", "DOT-USDT", "KSM-USDT"]
    assert all(w["last_batch"] == batch_id and w["slippage_bps"] == 200 for w in windows)
