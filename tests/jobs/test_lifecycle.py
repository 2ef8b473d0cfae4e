"""Every path of a job's life with the exact money of owner, provider, treasury and
escrow at each step (the ledger's invariants are checked at each step too).

alice starts with 100 DOT, bob with 1,000 DOT of which 200 are staked; the job's budget
is 10 DOT, bob's bid 8 DOT, the fee 2.5 % (0.2 DOT of 8 DOT)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.jobs import services
from marketplace.jobs.models import Job
from marketplace.providers.models import Provider
from tests.conftest import DOT
from tests.jobs.market import RESULT_HASH, books, ok, register, stake, step, submit

pytestmark = pytest.mark.django_db

FEE = 8 * DOT * 250 // 10_000  # 0.2 DOT


def statuses(job_id: int) -> list[str]:
    return [entry["status"] for entry in Job.objects.get(pk=job_id).history.values("status")]


def reputation(signer) -> int:
    return Provider.objects.get(wallet__public_key=signer.public_key).reputation


def test_the_happy_path_pays_the_provider_the_price_minus_the_fee(market, actions, alice, bob):
    job = ok(submit(actions, alice), 201)
    assert job["status"] == "registered"
    assert job["escrow"] == {"amount": str(10 * DOT), "state": "held"}
    assert books(alice, bob, job["id"]) == (90 * DOT, 800 * DOT, 0, 10 * DOT)

    bid = ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=600), 201)
    assert bid["status"] == "open"
    assert books(alice, bob, job["id"]) == (90 * DOT, 800 * DOT, 0, 10 * DOT)

    job = ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    assert (job["status"], job["assigned_provider"], job["price"]) == (
        "assigned",
        bob.address,
        str(8 * DOT),
    )
    assert books(alice, bob, job["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)

    job = ok(step(actions, bob, job["id"], "start"))
    assert job["status"] == "in_progress"
    assert books(alice, bob, job["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)

    job = ok(
        step(actions, bob, job["id"], "result", result_ref="ipfs://out", result_hash=RESULT_HASH)
    )
    assert (job["status"], job["result_hash"]) == ("completed", RESULT_HASH)
    assert books(alice, bob, job["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)

    job = ok(step(actions, alice, job["id"], "accept"))
    assert job["status"] == "settled"
    assert job["escrow"] == {"amount": "0", "state": "released"}
    assert books(alice, bob, job["id"]) == (92 * DOT, 800 * DOT + 8 * DOT - FEE, FEE, 0)
    assert [h["status"] for h in job["history"]] == [
        "registered",
        "assigned",
        "in_progress",
        "completed",
        "settled",
    ]
    assert reputation(bob) == 510


def test_cancelling_a_registered_job_refunds_the_whole_budget(job, actions, alice, bob):
    job = ok(step(actions, alice, job["id"], "cancel"))
    assert (job["status"], job["escrow"]["state"]) == ("cancelled", "refunded")
    assert books(alice, bob, job["id"]) == (100 * DOT, 800 * DOT, 0, 0)


def test_cancelling_an_assigned_job_refunds_the_price_that_was_left(assigned, actions, alice, bob):
    assert books(alice, bob, assigned["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)
    job = ok(step(actions, alice, assigned["id"], "cancel"))
    assert job["status"] == "cancelled"
    assert books(alice, bob, job["id"]) == (100 * DOT, 800 * DOT, 0, 0)
    assert statuses(job["id"]) == ["registered", "assigned", "cancelled"]
    assert reputation(bob) == 500


def test_a_dispute_holds_the_escrow_until_staff_resolve_it(disputed, alice, bob):
    assert disputed["status"] == "disputed"
    assert disputed["escrow"] == {"amount": str(8 * DOT), "state": "held"}
    assert books(alice, bob, disputed["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)


def test_a_dispute_resolved_as_release_pays_the_provider(disputed, alice, bob):
    job = services.resolve_dispute(disputed["id"], outcome="release")
    assert (job.status, job.escrow_state) == ("settled", "released")
    assert books(alice, bob, job.pk) == (92 * DOT, 808 * DOT - FEE, FEE, 0)
    assert reputation(bob) == 510


def test_a_dispute_resolved_as_refund_returns_the_price_to_the_owner(disputed, alice, bob):
    job = services.resolve_dispute(disputed["id"], outcome="refund")
    assert (job.status, job.escrow_state) == ("settled", "refunded")
    assert books(alice, bob, job.pk) == (100 * DOT, 800 * DOT, 0, 0)
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    assert (provider.reputation, provider.disputes_lost, provider.jobs_completed) == (470, 1, 0)


def test_a_dispute_split_pays_the_provider_its_share_minus_the_fee_on_it(disputed, alice, bob):
    job = services.resolve_dispute(disputed["id"], outcome="split", provider_percent=40)
    share = 8 * DOT * 40 // 100  # 3.2 DOT
    fee = share * 250 // 10_000  # 0.08 DOT
    assert (job.status, job.escrow_state) == ("settled", "split")
    assert books(alice, bob, job.pk) == (
        92 * DOT + 8 * DOT - share,
        800 * DOT + share - fee,
        fee,
        0,
    )
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    assert (provider.reputation, provider.disputes_lost, provider.jobs_completed) == (470, 1, 1)


def test_an_unanswered_result_is_released_when_the_review_window_ends(completed, alice, bob):
    assert services.release_ended_reviews() == 0  # the window is still open
    Job.objects.filter(pk=completed["id"]).update(review_ends_at=timezone.now())
    assert services.release_ended_reviews() == 1
    job = Job.objects.get(pk=completed["id"])
    assert (job.status, job.escrow_state) == ("settled", "released")
    assert books(alice, bob, job.pk) == (92 * DOT, 808 * DOT - FEE, FEE, 0)
    assert services.release_ended_reviews() == 0  # nothing moves twice
    assert books(alice, bob, job.pk) == (92 * DOT, 808 * DOT - FEE, FEE, 0)


def test_an_expired_job_refunds_the_owner_and_slashes_the_provider(in_progress, alice, bob):
    assert services.expire_overdue() == 0
    Job.objects.filter(pk=in_progress["id"]).update(deadline=timezone.now())
    assert services.expire_overdue() == 1
    job = Job.objects.get(pk=in_progress["id"])
    assert (job.status, job.escrow_state) == ("expired", "refunded")
    # 10 % of the 200 DOT stake is 20 DOT, capped at the job's 8 DOT price.
    assert books(alice, bob, job.pk) == (100 * DOT + 8 * DOT, 800 * DOT, 0, 0)
    assert stake(bob) == 192 * DOT
    provider = Provider.objects.get(wallet__public_key=bob.public_key)
    assert (provider.reputation, provider.jobs_expired) == (450, 1)
    assert statuses(job.pk) == ["registered", "assigned", "in_progress", "expired"]
    assert services.expire_overdue() == 0
    assert books(alice, bob, job.pk) == (108 * DOT, 800 * DOT, 0, 0)


def test_the_slash_is_a_tenth_of_the_stake_when_that_is_less_than_the_price(
    market, actions, alice, bob
):
    job = ok(submit(actions, alice, budget=str(50 * DOT)), 201)
    bid = ok(step(actions, bob, job["id"], "bids", price=str(30 * DOT), sla_seconds=60), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    Job.objects.filter(pk=job["id"]).update(deadline=timezone.now())
    assert services.expire_overdue() == 1
    assert books(alice, bob, job["id"]) == (100 * DOT + 20 * DOT, 800 * DOT, 0, 0)
    assert stake(bob) == 180 * DOT


def test_an_expired_unassigned_job_only_refunds(job, alice, bob):
    Job.objects.filter(pk=job["id"]).update(deadline=timezone.now() - timedelta(seconds=1))
    assert services.expire_overdue() == 1
    assert Job.objects.get(pk=job["id"]).status == "expired"
    assert books(alice, bob, job["id"]) == (100 * DOT, 800 * DOT, 0, 0)
    assert stake(bob) == 200 * DOT


def test_auto_assign_picks_the_best_score_of_price_and_reputation(
    market, actions, alice, bob, carol, fund
):
    fund(carol, 1000 * DOT)
    register(actions, carol)
    Provider.objects.filter(wallet__public_key=carol.public_key).update(reputation=1000)
    job = ok(submit(actions, alice, auto_assign=True), 201)
    # bob is cheaper (saves 20 %: 1,400 + 1,500 = 2,900 points); carol is dearer but
    # trusted (saves 10 %: 700 + 3,000 = 3,700 points).
    ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=60), 201)
    ok(step(actions, carol, job["id"], "bids", price=str(9 * DOT), sla_seconds=60), 201)
    assert services.close_bid_windows() == 0  # the window is still open
    assert books(alice, bob, job["id"]) == (90 * DOT, 800 * DOT, 0, 10 * DOT)

    Job.objects.filter(pk=job["id"]).update(bid_window_ends_at=timezone.now())
    assert services.close_bid_windows() == 1
    assigned = Job.objects.get(pk=job["id"])
    assert (assigned.status, assigned.price) == ("assigned", 9 * DOT)
    assert assigned.assigned_provider.wallet.public_key == carol.public_key
    assert books(alice, bob, job["id"]) == (91 * DOT, 800 * DOT, 0, 9 * DOT)
    assert sorted(assigned.bids.values_list("status", flat=True)) == ["accepted", "rejected"]
    assert services.close_bid_windows() == 0


def test_an_auto_assign_job_without_bids_waits_for_its_owner(job, alice, bob):
    Job.objects.filter(pk=job["id"]).update(auto_assign=True, bid_window_ends_at=timezone.now())
    assert services.close_bid_windows() == 0
    assert Job.objects.get(pk=job["id"]).status == "registered"
    assert books(alice, bob, job["id"]) == (90 * DOT, 800 * DOT, 0, 10 * DOT)


def test_a_sweep_tells_each_wallet_its_balance_once_per_batch(market, actions, alice):
    from marketplace.core.models import OutboxEvent

    ids = [ok(submit(actions, alice, budget=str(DOT)), 201)["id"] for _ in range(3)]
    Job.objects.filter(pk__in=ids).update(deadline=timezone.now())
    last = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert services.expire_overdue() == 3
    balances = OutboxEvent.objects.filter(type="balance", id__gt=last)
    assert [event.groups for event in balances] == [[f"user.{alice.public_key}"]]
    dot = next(b for b in balances.get().data["balances"] if b["asset"] == "DOT")
    assert (dot["available"], dot["held"]) == (str(100 * DOT), "0")
