"""The sweeps on PostgreSQL with real concurrency: two workers sweeping the same due
jobs at once split them (SELECT … FOR UPDATE SKIP LOCKED) and nothing moves twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from ledger.models import Transfer
from marketplace.core.errors import InvalidState
from marketplace.jobs import services
from marketplace.jobs.models import Job
from marketplace.providers import services as provider_services
from marketplace.providers.models import Slash
from marketplace.wallets.models import Wallet
from tests.conftest import DOT, balance
from tests.jobs.market import stake

JOBS = 30


def overdue_jobs(alice, bob, fund) -> list[int]:
    """JOBS overdue jobs of alice's (10 DOT each); every other one assigned to bob at 8 DOT."""
    fund(alice, JOBS * 10 * DOT)
    fund(bob, 200 * DOT)
    owner = Wallet.objects.create(public_key=alice.public_key)
    provider = Wallet.objects.create(public_key=bob.public_key)
    provider_services.register_provider(
        provider,
        name="bob",
        capabilities=["gpu"],
        regions=[],
        pricing={},
        stake=200 * DOT,
        idempotency_key="test:stake",
    )
    ids = []
    for i in range(JOBS):
        job = services.submit_job(
            owner,
            model_ref="m",
            data_ref="d",
            compute_type="gpu",
            asset="DOT",
            budget=10 * DOT,
            deadline=timezone.now() + timedelta(hours=1),
            privacy_required=False,
            idempotency_key=f"test:job:{i}",
        )
        if i % 2:
            bid = services.submit_bid(provider, job_id=job.pk, price=8 * DOT, sla_seconds=60)
            services.assign_provider(owner, job_id=job.pk, bid_id=bid.pk)
        ids.append(job.pk)
    Job.objects.filter(pk__in=ids).update(deadline=timezone.now())
    return ids


def run_at_once(*works) -> list:
    """Run each callable in its own thread (own DB connection), released together."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def run(i):
        try:
            barrier.wait()
            results[i] = works[i]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_the_same_deadlines_expire_each_job_once(alice, bob, fund):
    ids = overdue_jobs(alice, bob, fund)
    done = run_at_once(services.expire_overdue, services.expire_overdue)
    assert sum(done) == JOBS
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
    assert Transfer.objects.filter(kind="escrow_expired").count() == JOBS
    # 15 assigned jobs: each slash is min(10 % of the stake, 8 DOT) = 8 DOT while the
    # stake stays at or above 80 DOT, which it does.
    assert Slash.objects.count() == Transfer.objects.filter(kind="slash").count() == JOBS // 2
    assert balance(alice) == JOBS * 10 * DOT + JOBS // 2 * 8 * DOT
    assert stake(bob) == 200 * DOT - JOBS // 2 * 8 * DOT
    assert services.expire_overdue() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_releasing_the_same_reviews_pay_each_job_once(alice, bob, fund):
    ids = overdue_jobs(alice, bob, fund)
    assigned = list(Job.objects.filter(pk__in=ids, status="assigned").values_list("pk", flat=True))
    Job.objects.filter(pk__in=assigned).update(
        status="completed",
        review_ends_at=timezone.now(),
        deadline=timezone.now() + timedelta(hours=1),
    )
    done = run_at_once(services.release_ended_reviews, services.release_ended_reviews)
    assert sum(done) == len(assigned) == JOBS // 2
    fee = 8 * DOT * 250 // 10_000
    assert balance(bob) == JOBS // 2 * (8 * DOT - fee)
    assert Transfer.objects.filter(kind="payout").count() == JOBS // 2
    assert services.release_ended_reviews() == 0


@pytest.mark.django_db(transaction=True)
def test_an_owner_cancelling_while_the_sweep_expires_is_refunded_once(alice, bob, fund):
    ids = overdue_jobs(alice, bob, fund)
    owner = Wallet.objects.get(public_key=alice.public_key)

    def cancel_all() -> int:
        cancelled = 0
        for job_id in ids:
            try:
                services.cancel_job(owner, job_id=job_id)
                cancelled += 1
            except InvalidState:  # the sweep expired it first
                pass
        return cancelled

    swept, cancelled = run_at_once(services.expire_overdue, cancel_all)
    assert swept + cancelled == JOBS
    assert Transfer.objects.filter(kind__in=["escrow_expired", "escrow_refund"]).count() == JOBS
    assert balance(alice) == JOBS * 10 * DOT + Slash.objects.count() * 8 * DOT
