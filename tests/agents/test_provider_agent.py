"""The provider agent against a real server: a real `manage.py provider_agent` process
bids, runs and delivers a forecast; an agent that dies mid-job finishes it once."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from marketplace.agents import runners
from marketplace.agents.client import ApiError
from marketplace.agents.provider import ProviderAgent
from marketplace.agents.state import AgentState
from tests import stack
from tests.agents.conftest import HOUR, MIDNIGHT, client_for, dot, faucet, traffic, until
from tests.conftest import DOT

FEE_BPS = 250
HISTORY_HOURS = 72


def forecast_job(alice, model_ref: str = "builtin:forecast") -> dict:
    """Alice's job: forecast the next 24 hours from three days of inline readings."""
    values = [round(float(v)) for v in traffic(HISTORY_HOURS)]
    data = {"start": MIDNIGHT, "step_seconds": HOUR, "values": values, "horizon": 24}
    deadline = datetime.now(UTC) + timedelta(hours=1)
    job, _ = alice.post_action(
        "/api/jobs",
        "submit_job",
        {
            "model_ref": model_ref,
            "data_ref": "inline:" + json.dumps(data, separators=(",", ":")),
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(2 * DOT),
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "privacy_required": False,
        },
    )
    return job


def assert_forecast_is_right(document: dict) -> None:
    """Three days of readings with noise sigma 1 (rounded to integers): the next day's
    forecast stays within 2 units of the true signal, whose daily swing is ±38."""
    truth = traffic(HISTORY_HOURS + 24, noise=0.0)[HISTORY_HOURS:]
    predicted = np.array([point["value"] for point in document["forecast"]])
    assert len(predicted) == 24
    assert np.max(np.abs(predicted - truth)) < 2.0


@pytest.fixture
def market(server):
    """Alice with 100 DOT, Bob with 200 DOT (the agent stakes 100 of them)."""
    alice, bob = client_for(server, "//Alice"), client_for(server, "//Bob")
    faucet(alice, 100 * DOT)
    faucet(bob, 200 * DOT)
    return alice, bob


@pytest.fixture
def agent_process(server, market, tmp_path):
    agent = ("provider_agent", "--uri", "//Bob", "--url", server, "--poll-seconds", "2")
    state = ("--state-file", str(tmp_path / "bob.json"))
    with stack.running("agents-provider", "manage.py", *agent, *state) as running:
        yield running


def test_the_agent_bids_runs_and_delivers_a_forecast_that_alice_accepts(market, agent_process):
    alice, bob = market
    process, log_path = agent_process
    min_stake = int(alice.config()["min_stake"])
    price = int(alice.config()["min_budget"]["DOT"])  # the agent's default price
    until(lambda: _registered(alice, bob.signer.address))

    unknown = forecast_job(alice, model_ref="ipfs://QmSomeoneElsesModel")
    job = forecast_job(alice)
    bid = until(lambda: alice.get(f"/api/jobs/{job['id']}")["bids"])[0]
    assert (bid["provider"], bid["price"]) == (bob.signer.address, str(price))
    alice.post_action(
        f"/api/jobs/{job['id']}/assign",
        "assign_provider",
        {"job_id": job["id"], "bid_id": bid["id"]},
    )
    until(lambda: alice.get(f"/api/jobs/{job['id']}")["status"] == "completed")
    result = alice.get(f"/api/jobs/{job['id']}/result")
    alice.post_action(f"/api/jobs/{job['id']}/accept", "accept_result", {"job_id": job["id"]})

    assert runners.result_hash(result["result_content"]) == result["result_hash"]
    assert_forecast_is_right(result["result_content"])
    fee = price * FEE_BPS // 10_000
    # The unrunnable job still holds its budget: nobody bid on it.
    assert dot(alice)["available"] == str(100 * DOT - price - 2 * DOT)
    assert dot(alice)["held"] == str(2 * DOT)
    assert dot(bob)["available"] == str(200 * DOT - min_stake + price - fee)
    assert dot(bob)["staked"] == str(min_stake)
    from ledger.selectors import account_balance

    assert account_balance("DOT", "fees") == fee
    process.terminate()
    assert process.wait(timeout=15) == 0
    log = log_path.read_text()
    for step in ("registered as provider", "bid", "started", "ran builtin:forecast", "submitted"):
        assert step in log, step
    assert f"job {unknown['id']}: no bid (no runner" in log
    assert alice.get(f"/api/jobs/{unknown['id']}")["bids"] == []


def _registered(viewer, address: str) -> bool:
    try:
        return bool(viewer.get(f"/api/providers/{address}"))
    except ApiError:
        return False


class Crash(Exception):
    """The agent process dying right after the server ran its request."""


@pytest.mark.parametrize("step", ["start", "result"])
def test_an_agent_killed_mid_job_finishes_the_job_once_after_a_restart(market, tmp_path, step):
    alice, bob = market
    state_file = tmp_path / "bob.json"
    agent = ProviderAgent(bob, AgentState(state_file))
    agent.ensure_registered()
    job = forecast_job(alice)
    agent.consider(alice.get(f"/api/jobs/{job['id']}"))
    bid = alice.get(f"/api/jobs/{job['id']}")["bids"][0]
    alice.post_action(
        f"/api/jobs/{job['id']}/assign",
        "assign_provider",
        {"job_id": job["id"], "bid_id": bid["id"]},
    )
    real = bob.session.request

    def die_once_the_server_has_it(method, url, **kwargs):
        response = real(method, url, **kwargs)
        if url.endswith(f"/{step}"):
            raise Crash()
        return response

    bob.session.request = die_once_the_server_has_it
    with pytest.raises(Crash):
        agent.reconcile()

    # A new process: a new client, the same state file.
    restarted = ProviderAgent(client_for(alice.base_url, "//Bob"), AgentState(state_file))
    restarted.ensure_registered()
    restarted.reconcile()

    detail = alice.get(f"/api/jobs/{job['id']}")
    assert [h["status"] for h in detail["history"]] == [
        "registered",
        "assigned",
        "in_progress",
        "completed",
    ]
    result = alice.get(f"/api/jobs/{job['id']}/result")
    assert_forecast_is_right(result["result_content"])
