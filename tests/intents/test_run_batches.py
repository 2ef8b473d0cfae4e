"""`manage.py run_batches`, a real process: a batch settles within a second of its
close, with no beat and no countdown task."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.intents.models import Batch, Intent
from tests import stack
from tests.conftest import DOT
from tests.intents.support import Trader

pytestmark = pytest.mark.slow


def test_a_batch_settles_within_a_second_of_its_close(transactional_db, actions, fund, alice):
    from marketplace.intents.services import open_epoch, seed_pool

    seed_pool("DOT", "USDT", 10_000 * DOT, 50_000 * 10**6, fee_bps=30, key="closer:pool")
    fund(alice, 10 * DOT)
    batch = open_epoch()
    trader = Trader(actions, {"batch_id": batch.pk, "public_key": batch.public_key})
    intent = trader.intent(alice, "DOT", "USDT", DOT, DOT, 1)

    with stack.batch_closer("closer-batches") as (_, log_path):
        deadline = time.monotonic() + 60
        while "Settling" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        closes_at = timezone.now() + timedelta(seconds=2)
        Batch.objects.filter(pk=batch.pk).update(closes_at=closes_at)
        deadline = time.monotonic() + 15
        while Intent.objects.get(pk=intent).status == "sealed" and time.monotonic() < deadline:
            time.sleep(0.05)

    settled = Batch.objects.get(pk=batch.pk)
    assert settled.status == "settled"
    assert Intent.objects.get(pk=intent).status == "executed"
    assert closes_at <= settled.closed_at <= closes_at + timedelta(seconds=1)
