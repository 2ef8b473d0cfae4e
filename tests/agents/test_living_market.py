"""The living market end to end, every part a real process: the web server, a Celery worker,
Celery beat and the provider agent. Alice subscribes to Carol's Data NFT (a week of
hourly readings of a known signal) and posts a `builtin:forecast` job over it with
auto-assign; the agent bids, beat's bid-window sweep assigns it, the agent reads the
readings through the token delegated for the job, runs the forecast and delivers, and
beat's review sweep releases the escrow. Nobody but the processes acts after the job is
posted."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command

from ledger.selectors import account_balance
from marketplace.agents import runners
from tests import stack
from tests.agents.conftest import HOUR, MIDNIGHT, client_for, dot, faucet, traffic, until
from tests.conftest import DOT

pytestmark = pytest.mark.slow

WEEK = 7 * 24
HORIZON = 24
FEE_BPS = 250
PRICE_PER_HOUR = DOT // 100  # 0.01 DOT
SUBSCRIPTION_HOURS = 3
BUDGET = 2 * DOT
PRICE = DOT // 2  # the agent's --price
# Demo-like timings for every process: bids are taken 4 s after posting, sweeps run
# every second, a delivered result is released 3 s after delivery.
TIMINGS = {
    "PM_BID_WINDOW_SECONDS": "4",
    "PM_SWEEP_INTERVAL_SECONDS": "1",
    "PM_REVIEW_WINDOW_SECONDS": "3",
}
FORECAST_BOUND = 2.0  # max |forecast - true signal| over the next 24 h (noise sigma 1)


@pytest.fixture
def stack_url(transactional_db):
    with (
        stack.web_server("living-web", **TIMINGS) as url,
        stack.celery_worker("living-worker", **TIMINGS),
        stack.celery_beat("living-beat", **TIMINGS),
    ):
        yield url


@pytest.fixture
def provider_agent(stack_url, tmp_path):
    agent = ("provider_agent", "--uri", "//Bob", "--url", stack_url, "--price", f"DOT={PRICE}")
    options = ("--state-file", str(tmp_path / "bob.json"), "--poll-seconds", "2")
    with stack.running("living-provider", "manage.py", *agent, *options) as running:
        yield running


def traffic_nft(carol) -> int:
    """Carol's Data NFT with a week of hourly readings of the known signal from MIDNIGHT."""
    nft, _ = carol.post_action(
        "/api/data-nfts",
        "mint_data_nft",
        {
            "name": "City traffic — test sensor",
            "description": "A known signal: level 100, +2/day, daily cycle 30, half-day 8.",
            "category": "smart_city",
            "sensor_type": "inductive loop",
            "data_format": "json",
            "update_frequency": "hourly",
            "content_ref": "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "access_policy": "subscription",
            "asset": "DOT",
            "price_per_hour": str(PRICE_PER_HOUR),
        },
    )
    readings = [
        {"ts": datetime.fromtimestamp(MIDNIGHT + h * HOUR, UTC).isoformat(), "value": float(v)}
        for h, v in enumerate(traffic(WEEK))
    ]
    carol.post_action(
        f"/api/data-nfts/{nft['id']}/readings",
        "publish_readings",
        {"nft_id": nft["id"], "readings": readings},
    )
    return nft["id"]


def test_a_forecast_job_over_a_data_nft_is_bid_assigned_run_and_settled_by_the_processes(
    stack_url, provider_agent
):
    process, log_path = provider_agent
    alice, bob, carol = (client_for(stack_url, uri) for uri in ("//Alice", "//Bob", "//Charlie"))
    faucet(alice, 100 * DOT)
    faucet(bob, 200 * DOT)
    nft_id = traffic_nft(carol)
    alice.post_action(
        f"/api/data-nfts/{nft_id}/subscriptions",
        "purchase_subscription",
        {"nft_id": nft_id, "hours": SUBSCRIPTION_HOURS},
    )
    min_stake = int(alice.config()["min_stake"])
    until(lambda: "registered" in log_path.read_text())

    deadline = datetime.now(UTC) + timedelta(hours=1)
    job, _ = alice.post_action(
        "/api/jobs",
        "submit_job",
        {
            "model_ref": "builtin:forecast",
            "data_ref": "inline:" + json.dumps({"horizon": HORIZON}),
            "data_nft_id": nft_id,
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(BUDGET),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privacy_required": False,
            "auto_assign": True,
        },
    )
    bid = until(lambda: alice.get(f"/api/jobs/{job['id']}")["bids"])[0]
    assert (bid["provider"], bid["price"]) == (bob.signer.address, str(PRICE))
    settled = until(
        lambda: (found := alice.get(f"/api/jobs/{job['id']}"))["status"] == "settled" and found,
        timeout=60,
    )

    assert [h["status"] for h in settled["history"]] == [
        "registered",
        "assigned",
        "in_progress",
        "completed",
        "settled",
    ]
    assert (settled["assigned_provider"], settled["price"]) == (bob.signer.address, str(PRICE))
    assert settled["escrow"] == {"amount": "0", "state": "released"}

    # The forecast of the next day against the noise-free signal.
    result = alice.get(f"/api/jobs/{job['id']}/result")
    document = result["result_content"]
    assert runners.result_hash(document) == result["result_hash"] == settled["result_hash"]
    assert document["model_ref"] == "builtin:forecast"
    truth = traffic(WEEK + HORIZON, noise=0.0)[WEEK:]
    predicted = np.array([point["value"] for point in document["forecast"]])
    assert len(predicted) == HORIZON
    assert np.max(np.abs(predicted - truth)) < FORECAST_BOUND
    first = datetime.fromisoformat(document["forecast"][0]["ts"])
    assert first == datetime.fromtimestamp(MIDNIGHT + WEEK * HOUR, UTC)

    # Balances to the planck: the subscription paid Carol less the fee, the job paid Bob
    # its price less the fee, the rest of Alice's budget came back.
    subscription = PRICE_PER_HOUR * SUBSCRIPTION_HOURS
    subscription_fee = subscription * FEE_BPS // 10_000
    job_fee = PRICE * FEE_BPS // 10_000
    assert dot(alice) == {
        "asset": "DOT",
        "available": str(100 * DOT - subscription - PRICE),
        "held": "0",
        "staked": "0",
    }
    assert dot(bob)["available"] == str(200 * DOT - min_stake + PRICE - job_fee)
    assert dot(bob)["staked"] == str(min_stake)
    assert dot(carol)["available"] == str(subscription - subscription_fee)
    assert account_balance("DOT", "fees") == subscription_fee + job_fee

    # The provider read through the token delegated for the job: one token, one page of
    # readings, and the settled job's use, all counted for the NFT.
    stats = alice.get(f"/api/data-nfts/{nft_id}/stats")
    assert (stats["accesses"], stats["job_uses"]) == (3, 1)
    process.terminate()
    assert process.wait(timeout=15) == 0
    log = log_path.read_text()
    assert f"job {job['id']}: read {WEEK} readings of Data NFT {nft_id}" in log
    assert f"job {job['id']}: result {result['result_hash'][:12]} submitted" in log

    call_command("ledger_check")
