"""`builtin:mev_risk`: the sandwich model, the score of a pair's public batch history,
and the whole path — the provider agent reads the public batches over HTTP, runs the
model and delivers; the trade page shows the score only if the server re-derives it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.agents import mev_risk, runners
from marketplace.agents.provider import ProviderAgent
from marketplace.agents.state import AgentState
from marketplace.core.canonical import canonical_json
from tests.agents.conftest import client_for, until
from tests.conftest import DOT
from tests.intents.support import RESERVE_DOT, RESERVE_USDT, Trader

POOL = (10_000 * DOT, 50_000 * 10**6)  # 1 DOT = 5 USDT, the demo's DOT/USDT pool


def row(batch_id: int, sell_dot: int, sell_usdt: int = 0) -> dict:
    """A DOT-USDT row as history() makes it from GET /api/batches."""
    return {
        "batch_id": batch_id,
        "fee_bps": 30,
        "reserves_before": {"DOT": str(POOL[0]), "USDT": str(POOL[1])},
        "volume_in": {"DOT": str(sell_dot), "USDT": str(sell_usdt)},
    }


def scored(*rows: dict, slippage_bps: int = 50) -> dict:
    return runners.get(runners.MEV_RISK)(
        {
            "pair": "DOT-USDT",
            "first_batch": 1,
            "last_batch": 10,
            "slippage_bps": slippage_bps,
            "batches": list(rows),
        }
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=st.integers(10**6, 10**15),
    reserve_in=st.integers(10**9, 10**16),
    reserve_out=st.integers(10**9, 10**16),
    fee_bps=st.integers(0, 100),
    slippage_bps=st.integers(1, 1000),
)
def test_a_sandwich_takes_at_most_the_allowed_slippage_and_only_when_it_pays(
    amount, reserve_in, reserve_out, fee_bps, slippage_bps
):
    loss, profit = mev_risk.sandwich(amount, reserve_in, reserve_out, fee_bps, slippage_bps)
    kept = (10_000 - fee_bps) / 10_000
    alone = reserve_out * kept * amount / (reserve_in + kept * amount)
    assert 0 <= loss <= alone * slippage_bps / 10_000 * (1 + 1e-9)
    assert profit >= 0
    assert (loss > 0) == (profit > 0)


def test_a_large_swap_is_worth_sandwiching_and_a_small_one_is_not():
    # 100 DOT into 10,000: an attacker earns more than its two fees; 30 DOT: it does not.
    loss, profit = mev_risk.sandwich(100 * DOT, *POOL, 30, 50)
    assert profit > 0.3 * DOT and loss > 2.4 * 10**6  # almost the whole 0.5% of ~498 USDT
    assert mev_risk.sandwich(30 * DOT, *POOL, 30, 50) == (0.0, 0.0)
    # A tighter minimum leaves less to take: a tenth of it at 5 bps.
    tight, _ = mev_risk.sandwich(100 * DOT, *POOL, 30, 5)
    assert 0 < tight < loss / 9.9


def test_the_score_is_the_share_of_the_allowed_slippage_a_sandwich_takes():
    exposed = scored(row(1, 1000 * DOT))
    assert exposed["swaps"] == exposed["exposed_swaps"] == 1
    assert 95 < exposed["score"] <= 100 and exposed["level"] == "high"
    assert exposed["worst"][0]["batch_id"] == 1 and exposed["worst"][0]["token_in"] == "DOT"

    safe = scored(row(1, 3 * DOT), row(2, 0, 15 * 10**6))
    assert (safe["swaps"], safe["exposed_swaps"], safe["score"]) == (2, 0, 0.0)
    assert safe["level"] == "low" and safe["worst"] == []

    # Value-weighted: one exposed swap among small safe ones still dominates the score.
    mixed = scored(row(1, 3 * DOT), row(2, 1000 * DOT), row(3, 2 * DOT))
    assert mixed["exposed_swaps"] == 1 and mixed["score"] > 90

    empty = scored()
    assert (empty["swaps"], empty["score"], empty["level"]) == (0, 0.0, "no trades")
    # The same input gives the same document, hence the same result hash.
    assert runners.result_hash(mixed) == runners.result_hash(
        scored(row(1, 3 * DOT), row(2, 1000 * DOT), row(3, 2 * DOT))
    )


@pytest.mark.parametrize(
    "options",
    [
        {"pair": "USDT-DOT", "first_batch": 1, "last_batch": 2},
        {"pair": "DOT", "first_batch": 1, "last_batch": 2},
        {"pair": "DOT-USDT", "first_batch": 5, "last_batch": 2},
        {"pair": "DOT-USDT", "first_batch": 1, "last_batch": 1 + mev_risk.MAX_BATCHES},
        {"pair": "DOT-USDT", "first_batch": 1, "last_batch": 2, "slippage_bps": 0},
        {"pair": "DOT-USDT", "first_batch": "1", "last_batch": 2},
        {"pair": "DOT-USDT", "first_batch": 1, "last_batch": 2, "batches": [{"batch_id": 1}]},
    ],
)
def test_input_it_cannot_score_is_refused(options):
    with pytest.raises(runners.InputError):
        runners.get(runners.MEV_RISK)({"batches": [], **options})


def test_the_history_is_the_pairs_rows_of_settled_batches_in_the_window_once_each():
    pair_row = {
        "token_in": "DOT",
        "token_out": "USDT",
        "fee_bps": 30,
        "reserves_before": {"DOT": "1", "USDT": "2"},
        "volume_in": {"DOT": "3", "USDT": "0"},
    }
    other = {**pair_row, "token_in": "KSM"}
    batches = [
        {"id": 7, "status": "settled", "pairs": [pair_row, other]},
        {"id": 6, "status": "settled", "pairs": [other]},
        {"id": 5, "status": "settled", "pairs": [pair_row]},
        {"id": 5, "status": "settled", "pairs": [pair_row]},  # read twice across pages
        {"id": 8, "status": "closing", "pairs": []},
        {"id": 2, "status": "settled", "pairs": [pair_row]},  # before the window
    ]
    rows = mev_risk.history(batches, "DOT-USDT", 3, 8)
    assert [r["batch_id"] for r in rows] == [5, 7]
    assert rows[0] == {
        "batch_id": 5,
        "fee_bps": 30,
        "reserves_before": {"DOT": "1", "USDT": "2"},
        "volume_in": {"DOT": "3", "USDT": "0"},
    }


# --- the whole path, against a real server -------------------------------------------------


def settle_a_batch(actions, api, signer, sell_dot: int) -> int:
    from marketplace.intents.services import settle_batch

    epoch = api.get("/api/intents/epoch").json()
    Trader(actions, epoch).intent(signer, "DOT", "USDT", sell_dot, sell_dot, 1)
    assert settle_batch(epoch["batch_id"])
    return epoch["batch_id"]


def test_the_agent_scores_the_public_batches_and_the_trade_page_shows_only_a_rederived_score(
    server, actions, api, client, fund, alice, bob, tmp_path
):
    from marketplace.intents.services import seed_pool
    from marketplace.jobs.models import Job

    seed_pool("DOT", "USDT", RESERVE_DOT, RESERVE_USDT, fee_bps=30, key="test:pool")
    fund(alice, 2_000 * DOT)
    fund(bob, 200 * DOT)
    batch_ids = [settle_a_batch(actions, api, alice, amount * DOT) for amount in (3, 1000, 2)]

    alice_client, bob_client = client_for(server, "//Alice"), client_for(server, "//Bob")
    agent = ProviderAgent(bob_client, AgentState(tmp_path / "bob.json"))
    agent.ensure_registered()
    options = {"pair": "DOT-USDT", "first_batch": batch_ids[0], "last_batch": batch_ids[-1]}
    job, _ = alice_client.post_action(
        "/api/jobs",
        "submit_job",
        {
            "model_ref": runners.MEV_RISK,
            "data_ref": "inline:" + canonical_json(options),
            "compute_type": "cpu",
            "asset": "DOT",
            "budget": str(2 * DOT),
            "deadline": "2099-01-01T00:00:00Z",
            "privacy_required": False,
        },
    )
    agent.consider(alice_client.get(f"/api/jobs/{job['id']}"))
    bid = alice_client.get(f"/api/jobs/{job['id']}")["bids"][0]
    alice_client.post_action(
        f"/api/jobs/{job['id']}/assign",
        "assign_provider",
        {"job_id": job["id"], "bid_id": bid["id"]},
    )
    agent.reconcile()
    delivered = until(lambda: Job.objects.filter(pk=job["id"], status="completed").first())
    document = delivered.result_content
    # The 1,000 DOT sale was worth sandwiching, the small ones were not.
    assert (document["batches"], document["swaps"], document["exposed_swaps"]) == (3, 3, 1)
    assert document["worst"][0]["batch_id"] == batch_ids[1]

    page = client.get("/trade/").content.decode()
    assert 'data-pm-mev-risk="DOT-USDT"' in page
    assert f"<strong data-pm-mev-score>{document['score']}</strong>/100" in page
    assert f'href="/jobs/{job["id"]}/"' in page

    # A result the public batches do not give is never shown, even with a matching hash.
    forged = {**document, "score": 0.0, "level": "low"}
    Job.objects.filter(pk=job["id"]).update(
        result_content=forged, result_hash=runners.result_hash(forged)
    )
    page = client.get("/trade/").content.decode()
    assert "data-pm-mev-risk" not in page and "No score yet" in page
