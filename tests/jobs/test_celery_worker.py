"""A real Celery worker process on Redis runs the sweeps against the test database:
an overdue job is refunded and an unanswered result is auto-released."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.jobs import services, tasks
from marketplace.jobs.models import Job
from tests import stack
from tests.conftest import DOT, balance
from tests.jobs.test_sweeps import overdue_jobs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the worker must share the broker)")
    from polkamesh_web.celery import app

    app.control.purge()  # nothing left over from an earlier run
    with stack.running(
        "jobs-worker",
        "-m",
        "celery",
        "-A",
        "polkamesh_web",
        "worker",
        "--pool=solo",
        "-l",
        "warning",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ) as running:
        yield running


def wait_for(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_refunds_an_expired_job_and_releases_an_unanswered_result(
    worker, alice, bob, fund
):
    ids = overdue_jobs(alice, bob, fund)
    overdue, completed = ids[0], ids[1]  # registered, and assigned to bob at 8 DOT
    Job.objects.filter(pk__in=ids[2:]).update(deadline=timezone.now() + timedelta(hours=1))
    Job.objects.filter(pk=completed).update(
        status="completed",
        review_ends_at=timezone.now(),
        deadline=timezone.now() + timedelta(hours=1),
    )
    tasks.sweep_deadlines.delay()
    tasks.sweep_reviews.delay()

    def settled() -> bool:
        statuses = dict(Job.objects.filter(pk__in=[overdue, completed]).values_list("pk", "status"))
        return statuses == {overdue: "expired", completed: "settled"}

    assert wait_for(settled), worker[1].read_text()
    fee = 8 * DOT * 250 // 10_000
    # alice funded 30 jobs of 10 DOT; one 10 DOT budget came back, 14 unassigned jobs and
    # 14 assigned ones (2 DOT returned each at assignment) are still held.
    assert balance(alice) == 10 * DOT + 15 * 2 * DOT
    assert balance(bob) == 8 * DOT - fee
    assert services.expire_overdue() == services.release_ended_reviews() == 0
