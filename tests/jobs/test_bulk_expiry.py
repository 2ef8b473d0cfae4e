"""The deadline sweep's set-based path: unassigned overdue jobs expire a chunk per
transaction in a number of statements that does not grow with the chunk; assigned
ones still go one at a time (they are slashed); a chunk that fails falls back to one
at a time."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger import services as ledger
from ledger.models import Transfer
from marketplace.core.models import OutboxEvent
from marketplace.jobs import services
from marketplace.jobs.models import Bid, Job, JobEvent
from marketplace.wallets.models import Wallet
from tests.conftest import DOT, balance

pytestmark = pytest.mark.django_db


def overdue(alice, fund, count: int) -> list[int]:
    fund(alice, count * 10 * DOT)
    owner, _ = Wallet.objects.get_or_create(public_key=alice.public_key)
    ids = [
        services.submit_job(
            owner,
            model_ref="m",
            data_ref="d",
            compute_type="gpu",
            asset="DOT",
            budget=10 * DOT,
            deadline=timezone.now() + timedelta(hours=1),
            privacy_required=False,
            idempotency_key=f"test:bulk:{count}:{i}",
        ).pk
        for i in range(count)
    ]
    Job.objects.filter(pk__in=ids).update(deadline=timezone.now())
    return ids


def test_unassigned_overdue_jobs_expire_with_their_history_events_and_refunds(alice, fund):
    ids = overdue(alice, fund, 12)
    before = OutboxEvent.objects.filter(type="job.status").count()

    assert services.expire_overdue() == 12

    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
    assert balance(alice) == 12 * 10 * DOT
    assert Transfer.objects.filter(kind="escrow_expired").count() == 12
    assert JobEvent.objects.filter(job_id__in=ids, status="expired").count() == 12
    events = OutboxEvent.objects.filter(type="job.status").order_by("id")[before:]
    assert sorted(e.data["job_id"] for e in events) == sorted(ids)
    assert {e.data["escrow_state"] for e in events} == {"refunded"}
    assert services.expire_overdue() == 0


def test_expiring_forty_jobs_runs_no_more_statements_than_expiring_four(alice, fund):
    overdue(alice, fund, 4)
    with CaptureQueriesContext(connection) as few:
        assert services.expire_overdue() == 4
    overdue(alice, fund, 40)
    with CaptureQueriesContext(connection) as many:
        assert services.expire_overdue() == 40
    assert len(many) <= len(few), (len(few), len(many))


def test_open_bids_of_an_expired_job_are_rejected(alice, bob, fund):
    from marketplace.providers import services as provider_services

    [job_id] = overdue(alice, fund, 1)
    fund(bob, 300 * DOT)
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
    Job.objects.filter(pk=job_id).update(deadline=timezone.now() + timedelta(hours=1))
    services.submit_bid(provider, job_id=job_id, price=8 * DOT, sla_seconds=60)
    Job.objects.filter(pk=job_id).update(deadline=timezone.now())

    assert services.expire_overdue() == 1
    assert list(Bid.objects.filter(job_id=job_id).values_list("status", flat=True)) == ["rejected"]


def test_a_chunk_that_fails_expires_its_jobs_one_at_a_time(alice, fund, monkeypatch):
    ids = overdue(alice, fund, 5)

    def broken(voids):
        raise RuntimeError("set-based path unavailable")

    monkeypatch.setattr(ledger, "void_holds", broken)
    assert services.expire_overdue() == 5
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
    assert balance(alice) == 5 * 10 * DOT
