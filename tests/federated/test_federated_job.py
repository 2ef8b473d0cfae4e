"""submit_federated_job and its rounds, driven through the job queue in this process:
the escrow, the refusals, the exact payouts, the privacy rules, missed deadlines."""

import pytest
from django.conf import settings
from django.utils import timezone

from ledger import services as ledger
from ledger.selectors import hold_balance
from marketplace.federated.models import FederatedJob, Task
from marketplace.jobs import services as job_services
from marketplace.jobs.models import Job
from marketplace.providers.selectors import stake_of
from tests.conftest import DOT, balance
from tests.datanft.conftest import code
from tests.federated.conftest import (
    BID,
    PRICE_PER_ROUND,
    TRUE_WEIGHTS,
    bid_and_assign,
    deliver,
    get_as,
    linear_readings,
    mint_for_training,
    open_task_jobs,
    run_round,
    submit_federated,
)
from tests.jobs.market import ok, treasury

pytestmark = pytest.mark.django_db

BUDGET = 10 * DOT


@pytest.fixture
def researcher(alice, fund):
    fund(alice, 100 * DOT)
    return alice


@pytest.fixture
def federated(actions, researcher, nfts, providers) -> dict:
    return ok(submit_federated(actions, researcher, nfts), 201)


def fee(amount: int) -> int:
    return ledger.fee_for(amount, settings.PM_FEE_BPS)


def test_it_holds_the_budget_and_opens_one_task_per_nft(federated, researcher, nfts):
    assert (federated["status"], federated["round"]) == ("running", 0)
    assert federated["data_nft_ids"] == nfts
    assert federated["global_weights"] == [0.0, 0.0, 0.0]
    assert balance(researcher) == 100 * DOT - BUDGET
    # the task budget: what is left after 2 rounds of data, over 2 x 3 tasks
    assert int(federated["task_budget"]) == (BUDGET - 2 * 3 * PRICE_PER_ROUND) // 6
    jobs = open_task_jobs(federated["id"])
    assert sorted(j.data_nft_id for j in jobs) == sorted(nfts)
    assert {(j.model_ref, j.auto_assign, j.data_grant) for j in jobs} == {
        ("federated:linear_regression", True, "training")
    }
    held = hold_balance(FederatedJob.objects.get(pk=federated["id"]).escrow_hold_id)
    assert held + sum(hold_balance(j.escrow_hold_id) for j in jobs) == BUDGET


def test_a_full_run_pays_exactly_and_learns_the_relation(
    federated, actions, api, researcher, providers, owners
):
    fees_before = treasury()
    providers_before = [balance(p) for p in providers]
    for _ in range(2):
        run_round(actions, api, providers, federated["id"])

    final = ok(get_as(researcher, f"/api/federated-jobs/{federated['id']}"))
    assert (final["status"], final["round"]) == ("completed", 2)
    assert [h["round"] for h in final["history"]] == [1, 2]
    assert all(h["contributors"] == 3 and h["n_samples"] == 600 for h in final["history"])
    assert final["global_weights"] == pytest.approx(TRUE_WEIGHTS, abs=0.05)

    # each owner: price per round x rounds, no fee; each task: its price minus the fee
    assert [balance(owner) for owner in owners] == [2 * PRICE_PER_ROUND] * 3
    paid_to_providers = sum(
        balance(p) - before for p, before in zip(providers, providers_before, strict=True)
    )
    assert paid_to_providers == 6 * (BID - fee(BID))
    assert treasury() - fees_before == 6 * fee(BID)
    refund = BUDGET - 6 * PRICE_PER_ROUND - 6 * BID
    assert balance(researcher) == 100 * DOT - BUDGET + refund
    assert {p["role"]: p["amount"] for p in final["payouts"]}["refund"] == str(refund)
    hold = FederatedJob.objects.get(pk=federated["id"]).escrow_hold_id
    assert hold_balance(hold) == 0


def test_the_researcher_never_reads_the_readings(
    federated, actions, api, researcher, nfts, providers
):
    for nft_id in nfts:
        response = actions.post(
            f"/api/data-nfts/{nft_id}/access", researcher, "access_data", {"nft_id": nft_id}
        )
        assert (response.status_code, code(response)) == (403, "data_access_required")
    jobs = bid_and_assign(actions, federated["id"], providers)
    for job in jobs:
        response = actions.post(
            f"/api/data-nfts/{job.data_nft_id}/access",
            researcher,
            "access_data",
            {"nft_id": job.data_nft_id, "job_id": job.pk},
        )
        assert (response.status_code, code(response)) == (403, "forbidden")


def test_a_task_token_reads_its_own_nft_only_and_only_while_the_task_runs(
    federated, actions, api, providers
):
    first, second, _ = bid_and_assign(actions, federated["id"], providers)
    provider = next(
        p for p in providers if p.public_key == first.assigned_provider.wallet.public_key
    )
    grant = ok(
        actions.post(
            f"/api/data-nfts/{first.data_nft_id}/access",
            provider,
            "access_data",
            {"nft_id": first.data_nft_id, "job_id": first.pk},
        )
    )
    other = api.get(f"/api/data-nfts/{second.data_nft_id}/readings", {"token": grant["token"]})
    assert (other.status_code, code(other)) == (403, "data_access_required")
    asked = actions.post(
        f"/api/data-nfts/{second.data_nft_id}/access",
        provider,
        "access_data",
        {"nft_id": second.data_nft_id, "job_id": first.pk},
    )
    assert asked.status_code in (400, 403)
    own = api.get(f"/api/data-nfts/{first.data_nft_id}/readings", {"token": grant["token"]})
    assert own.status_code == 200

    ok(deliver(actions, api, providers, federated["id"], first), 201)
    after = api.get(f"/api/data-nfts/{first.data_nft_id}/readings", {"token": grant["token"]})
    assert (after.status_code, code(after)) == (403, "data_access_required")


def test_updates_are_seen_only_once_aggregated_and_only_per_round(
    federated, actions, api, researcher, providers
):
    first, *rest = bid_and_assign(actions, federated["id"], providers)
    ok(deliver(actions, api, providers, federated["id"], first), 201)
    seen = ok(get_as(researcher, f"/api/federated-jobs/{federated['id']}"))
    assert (seen["round"], seen["history"], seen["global_weights"]) == (0, [], [0.0, 0.0, 0.0])
    result = ok(get_as(researcher, f"/api/jobs/{first.pk}/result"))
    assert result["result_content"] is None  # the task's job carries a hash only
    assert "weights" not in str(seen["tasks"])
    for job in rest:
        ok(deliver(actions, api, providers, federated["id"], job), 201)
    seen = ok(get_as(researcher, f"/api/federated-jobs/{federated['id']}"))
    assert seen["round"] == 1 and len(seen["history"]) == 1
    assert set(seen["history"][0]) == {
        "round",
        "loss",
        "contributors",
        "n_samples",
        "weights",
        "completed_at",
    }


def test_only_the_researcher_sees_the_job(federated, mallory, carol):
    for outsider in (mallory, carol):
        response = get_as(outsider, f"/api/federated-jobs/{federated['id']}")
        assert (response.status_code, code(response)) == (403, "forbidden")


def test_the_researcher_cannot_accept_or_dispute_a_task(
    federated, actions, api, researcher, providers
):
    first, *_ = bid_and_assign(actions, federated["id"], providers)
    ok(deliver(actions, api, providers, federated["id"], first), 201)
    for step, extra in (("accept", {}), ("dispute", {"reason": "no"})):
        response = actions.post(
            f"/api/jobs/{first.pk}/{step}",
            researcher,
            {"accept": "accept_result", "dispute": "dispute_job"}[step],
            {"job_id": first.pk, **extra},
        )
        assert (response.status_code, code(response)) == (409, "invalid_state")


def expire(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(deadline=timezone.now())
    assert job_services.expire_overdue() >= 1


def test_a_missed_deadline_slashes_and_offers_the_task_once_more(
    federated, actions, api, researcher, providers
):
    first, *rest = bid_and_assign(actions, federated["id"], providers)
    before = balance(researcher)
    expire(first)
    assert balance(researcher) > before  # the slash goes to the harmed researcher
    again = Task.objects.get(federated_id=federated["id"], round=1, attempt=2)
    assert again.participant.nft_id == first.data_nft_id
    assert again.job.status == "registered"
    assert FederatedJob.objects.get(pk=federated["id"]).status == "running"

    for job in [*rest, *bid_and_assign(actions, federated["id"], providers)]:
        ok(deliver(actions, api, providers, federated["id"], job), 201)
    assert FederatedJob.objects.get(pk=federated["id"]).round == 1


def test_a_second_miss_fails_the_job_and_refunds_what_was_not_earned(
    federated, actions, api, researcher, providers, owners
):
    first, second, third = bid_and_assign(actions, federated["id"], providers)
    ok(deliver(actions, api, providers, federated["id"], second), 201)  # earned
    expire(first)
    [again] = bid_and_assign(actions, federated["id"], providers)
    provider = again.assigned_provider
    stake_before, before = stake_of(provider), balance(researcher)
    expire(again)
    slashed = stake_before - stake_of(provider)
    assert slashed > 0

    done = FederatedJob.objects.get(pk=federated["id"])
    assert (done.status, done.round) == ("failed", 0)
    assert "failed twice" in done.failure_reason
    assert Job.objects.get(pk=third.pk).status == "cancelled"  # withdrawn, no slash
    assert Job.objects.get(pk=second.pk).status == "settled"  # its provider is paid
    assert [balance(owner) for owner in owners] == [0, 0, 0]  # no round completed
    # the refund: the whole budget but the one task delivered (still held before)
    payouts = ok(get_as(researcher, f"/api/federated-jobs/{federated['id']}"))["payouts"]
    refund = BUDGET - BID
    assert {p["role"]: p["amount"] for p in payouts}["refund"] == str(refund)
    assert balance(researcher) - before == slashed + refund
    assert hold_balance(done.escrow_hold_id) == 0


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"rounds": 0}, 400, "invalid_params"),
        ({"rounds": 51}, 400, "invalid_params"),
        ({"model": "svm"}, 400, "invalid_params"),
        ({"features": ["x1", "x1"]}, 400, "invalid_params"),
        ({"target": "x1"}, 400, "invalid_params"),
        ({"features": ["x3"]}, 400, "invalid_params"),
        ({"budget": str(DOT)}, 409, "below_minimum"),
        ({"budget": str(1000 * DOT)}, 409, "insufficient_funds"),
        ({"deadline": "2020-01-01T00:00:00Z"}, 400, "invalid_params"),
    ],
)
def test_it_refuses_what_cannot_run_and_moves_nothing(
    actions, researcher, nfts, overrides, status, error
):
    response = submit_federated(actions, researcher, nfts, **overrides)
    assert (response.status_code, code(response)) == (status, error), response.content
    assert balance(researcher) == 100 * DOT
    assert not FederatedJob.objects.exists() and not Job.objects.exists()


def test_every_nft_must_be_offered_for_training(actions, researcher, nfts, carol):
    closed = mint_for_training(actions, carol, linear_readings(50, 9))
    ok(
        actions.post(
            f"/api/data-nfts/{closed}/update",
            carol,
            "update_data_nft",
            {"nft_id": closed, "training": {"allowed": False, "price_per_round": "0"}},
        )
    )
    response = submit_federated(actions, researcher, [*nfts, closed])
    assert (response.status_code, code(response)) == (403, "data_access_required")
    assert balance(researcher) == 100 * DOT


def test_two_to_twenty_distinct_nfts(actions, researcher, nfts):
    for ids in ([nfts[0]], [nfts[0], nfts[0]], list(range(1, 22))):
        response = submit_federated(actions, researcher, ids)
        assert (response.status_code, code(response)) == (400, "invalid_params")
    response = submit_federated(actions, researcher, [nfts[0], 99999])
    assert (response.status_code, code(response)) == (404, "not_found")
