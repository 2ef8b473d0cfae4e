"""Federated training over the real provider agent process: three Data NFTs whose
readings follow y = 2*x1 - 3*x2 + 5 + noise, trained for 10 rounds by a real
`manage.py provider_agent` against a real server; a logistic regression on a separable
set; the researcher refused the readings throughout; the ledger paid exactly."""

import io
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from ledger.selectors import account_balance
from marketplace.agents.client import ApiError
from marketplace.federated import aggregation
from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job
from tests import stack
from tests.agents.conftest import client_for, dot, faucet, until
from tests.conftest import DOT
from tests.federated.conftest import linear_readings, separable_readings

FEE_BPS = 250
PRICE_PER_ROUND = DOT // 100
OWNERS = ("//Charlie", "//Dave", "//Eve")
# Short task deadlines so that a missed task is offered again within a minute; the
# sweeps run in this process, which ends a bid window as soon as every open task has
# a bid (time moving on, as other tests move deadlines), so ten rounds fit in a test
# however slow the machine.
SERVER = {
    "PM_BID_WINDOW_SECONDS": "120",
    "PM_MIN_DEADLINE_SECONDS": "30",
    "PM_FEDERATED_TASK_SECONDS": "60",
    "PM_FAUCET_ENABLED": "true",
}


@pytest.fixture
def server(transactional_db):
    with stack.web_server("federated-web", **SERVER) as url:
        yield url


@pytest.fixture
def agent_process(server, tmp_path):
    bob = client_for(server, "//Bob")
    faucet(bob, 200 * DOT)
    agent = ("provider_agent", "--uri", "//Bob", "--url", server, "--poll-seconds", "1")
    state = ("--state-file", str(tmp_path / "bob.json"))
    with stack.running("federated-provider", "manage.py", *agent, *state) as running:
        until(lambda: registered(bob), timeout=240)
        yield bob, running


def registered(client) -> bool:
    try:
        return bool(client.get(f"/api/providers/{client.signer.address}"))
    except ApiError:
        return False


def mint(client, readings) -> int:
    nft, _ = client.post_action(
        "/api/data-nfts",
        "mint_data_nft",
        {
            "name": "Federated sensor",
            "description": "",
            "category": "iot",
            "sensor_type": "synthetic",
            "data_format": "json",
            "update_frequency": "1 min",
            "content_ref": "ipfs://federated",
            "access_policy": "subscription",
            "asset": "DOT",
            "price_per_hour": str(DOT // 10),
            "training": {"allowed": True, "price_per_round": str(PRICE_PER_ROUND)},
        },
    )
    for start in range(0, len(readings), 1000):
        client.post_action(
            f"/api/data-nfts/{nft['id']}/readings",
            "publish_readings",
            {"nft_id": nft["id"], "readings": readings[start : start + 1000]},
        )
    return nft["id"]


def refused(researcher, nft_id: int) -> bool:
    try:
        researcher.post_action(f"/api/data-nfts/{nft_id}/access", "access_data", {"nft_id": nft_id})
    except ApiError as exc:
        return (exc.status, exc.code) == (403, "data_access_required")
    return False


def run_to_the_end(researcher, federated_id: int, nft_ids, timeout: float = 600) -> dict:
    """Sweep the bid windows (the queue's auto-assignment) and deadlines until the job
    ends, checking the researcher is refused the readings at every step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = Job.objects.filter(status="registered", model_ref__startswith="federated:")
        if waiting.exists() and not waiting.filter(bids__isnull=True).exists():
            waiting.update(bid_window_ends_at=timezone.now())
        job_services.close_bid_windows()
        job_services.expire_overdue()
        assert all(refused(researcher, nft_id) for nft_id in nft_ids)
        state = researcher.get(f"/api/federated-jobs/{federated_id}")
        if state["status"] != "running":
            return state
        time.sleep(0.5)
    raise AssertionError(f"federated job {federated_id} still running after {timeout}s")


def submit(researcher, nft_ids, **params) -> dict:
    deadline = datetime.now(UTC) + timedelta(hours=1)
    job, _ = researcher.post_action(
        "/api/federated-jobs",
        "submit_federated_job",
        {
            "features": ["x1", "x2"],
            "data_nft_ids": nft_ids,
            "asset": "DOT",
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **params,
        },
    )
    return job


# Ten rounds of three tasks over real processes: minutes on a loaded 2-core machine.
@pytest.mark.timeout(1200)
def test_ten_rounds_of_linear_regression_find_the_relation_and_pay_exactly(server, agent_process):
    bob, (process, log_path) = agent_process
    owners = [client_for(server, uri) for uri in OWNERS]
    nft_ids = [
        mint(owner, linear_readings(300, seed, noise=0.5)) for seed, owner in enumerate(owners)
    ]
    alice = client_for(server, "//Alice")
    faucet(alice, 100 * DOT)
    budget = 50 * DOT
    job = submit(
        alice, nft_ids, model="linear_regression", target="y", rounds=10, budget=str(budget)
    )
    bob_before = int(dot(bob)["available"])

    final = run_to_the_end(alice, job["id"], nft_ids)

    assert (final["status"], final["round"]) == ("completed", 10)
    assert np.allclose(final["global_weights"], [2, -3, 5], atol=0.1), final["global_weights"]
    assert [h["contributors"] for h in final["history"]] == [3] * 10
    price = int(alice.config()["min_budget"]["DOT"])  # the agent's default bid
    fee = price * FEE_BPS // 10_000
    for owner in owners:
        assert dot(owner)["available"] == str(10 * PRICE_PER_ROUND)
    assert int(dot(bob)["available"]) - bob_before == 30 * (price - fee)
    assert account_balance("DOT", "fees") == 30 * fee
    refund = budget - 30 * PRICE_PER_ROUND - 30 * price
    assert dot(alice)["available"] == str(100 * DOT - budget + refund)
    assert dot(alice)["held"] == "0"
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert "update delivered" in log_path.read_text()


@pytest.mark.timeout(900)
def test_logistic_regression_on_a_separable_set_classifies_95_percent(server, agent_process):
    owners = [client_for(server, uri) for uri in OWNERS]
    sets = [separable_readings(200, seed) for seed in range(3)]
    nft_ids = [mint(owner, rows) for owner, rows in zip(owners, sets, strict=True)]
    alice = client_for(server, "//Alice")
    faucet(alice, 100 * DOT)
    job = submit(
        alice, nft_ids, model="logistic_regression", target="label", rounds=5, budget=str(30 * DOT)
    )

    final = run_to_the_end(alice, job["id"], nft_ids)

    assert final["status"] == "completed"
    rows = [row for rows in sets for row in rows]
    correct = sum(
        (aggregation.predict(final["model"], final["global_weights"], [r["x1"], r["x2"]]) > 0.5)
        == bool(r["label"])
        for r in rows
    )
    assert correct / len(rows) >= 0.95


def test_the_demo_market_trains_across_the_demo_stations(server):
    from marketplace.agents.demo_market import DemoMarket
    from marketplace.federated import demo

    demo.seed(io.StringIO())
    market = DemoMarket(server)
    faucet(market.buyer, 100 * DOT)
    market.post_federated_job()
    first = market.buyer.get(f"/api/federated-jobs/{market.federated_id}")
    assert (first["status"], first["features"], first["target"]) == (
        "running",
        ["traffic", "wind"],
        "pm25",
    )
    assert len(first["data_nft_ids"]) == 3
    market.post_federated_job()  # the last one still runs: nothing new
    assert market.federated_id == first["id"]
