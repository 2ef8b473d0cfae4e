"""Two `celery beat` processes at once (a deploy that briefly overlaps, an operator's
mistake) send every periodic task twice; each effect still happens exactly once: each
overdue job is refunded once, a result past its review window is released once, and a
batch of intents settles once."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.invariants import violations
from ledger.models import Transfer
from marketplace.intents.models import Batch, Intent
from marketplace.intents.services import seed_pool
from marketplace.jobs.models import Job
from tests import stack
from tests.conftest import DOT, USDT
from tests.intents.support import Trader
from tests.jobs.test_sweeps import overdue_jobs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAST = {"PM_SWEEP_INTERVAL_SECONDS": "1", "PM_BATCH_INTERVAL_SECONDS": "1"}
# Transfers that a sweep or a settlement makes once per job or intent.
ONCE_EACH = {
    "escrow_expired",
    "payout",
    "fee",
    "intent_swap_in",
    "intent_swap_out",
    "intent_unlock",
}


def wait_for(condition, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def due_work(actions, alice, bob, carol, fund, settings):
    """29 overdue jobs (14 of them assigned to bob), one completed job whose review
    window ended, and an open batch with three intents, closed as of now."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the processes must share the broker)")
    settings.PM_BATCH_INTERVAL_SECONDS = 10**8  # this process's epoch stays open
    ids = overdue_jobs(alice, bob, fund)
    Job.objects.filter(pk=ids[1]).update(
        status="completed",
        review_ends_at=timezone.now(),
        deadline=timezone.now() + timedelta(hours=1),
    )
    seed_pool("DOT", "USDT", 10_000 * DOT, 50_000 * USDT, fee_bps=30, key="test:pool")
    fund(alice, 10 * DOT)
    fund(carol, 100 * USDT, asset="USDT")
    trader = Trader(actions, actions.client.get("/api/intents/epoch").json())
    intents = [
        trader.intent(alice, "DOT", "USDT", 3 * DOT, 2 * DOT, 9 * USDT),
        trader.intent(carol, "USDT", "DOT", 50 * USDT, 20 * USDT, 3 * DOT),
        trader.intent(alice, "DOT", "USDT", DOT, DOT, 10**9 * USDT),  # dropped: min_output
    ]
    Batch.objects.filter(pk=trader.epoch["batch_id"]).update(closes_at=timezone.now())
    return {
        "overdue": [ids[0], *ids[2:]],
        "completed": ids[1],
        "intents": intents,
        "batch": trader.epoch["batch_id"],
    }


def test_two_beats_at_once_cause_each_refund_release_and_settlement_exactly_once(due_work):
    from polkamesh_web.celery import app

    app.control.purge()  # nothing left over from an earlier run
    overdue, completed = due_work["overdue"], due_work["completed"]

    def all_done() -> bool:
        expired = Job.objects.filter(pk__in=overdue, status="expired").count()
        return (
            expired == len(overdue)
            and Job.objects.get(pk=completed).status == "settled"
            and not Intent.objects.filter(pk__in=due_work["intents"], status="sealed").exists()
        )

    with (
        stack.celery_worker("two-beats-worker", **FAST),
        stack.celery_beat("two-beats-beat-1", **FAST) as first,
        stack.celery_beat("two-beats-beat-2", **FAST) as second,
    ):
        assert wait_for(all_done), "the sweeps did not finish; see test-artifacts/two-beats-*"
        time.sleep(5)  # several more rounds of both beats, to give a duplicate its chance
        assert first.poll() is None and second.poll() is None, "both beats ran throughout"

    effects = Counter(Transfer.objects.filter(kind__in=ONCE_EACH).values_list("kind", "reference"))
    assert [effect for effect, times in effects.items() if times > 1] == []
    kinds = Counter(kind for kind, _ in effects)
    assert kinds["escrow_expired"] == len(overdue)
    assert kinds["payout"] == kinds["fee"] == 1
    assert kinds["intent_swap_in"] == kinds["intent_swap_out"] == 2
    assert kinds["intent_unlock"] == 3  # two remainders, one dropped intent
    slashed = Job.objects.filter(pk__in=overdue, assigned_provider__isnull=False).count()
    assert Transfer.objects.filter(kind="slash").count() == slashed
    intents = Intent.objects.filter(pk__in=due_work["intents"])
    assert Counter(intents.values_list("status", flat=True)) == {"executed": 2, "dropped": 1}
    assert Batch.objects.get(pk=due_work["batch"]).status == "settled"
    assert violations() == []
