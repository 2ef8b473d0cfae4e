"""Deadline sweep: time to expire and refund N overdue jobs (default 10,000).

Creates N jobs of one owner through `submit_job` (each holds its budget in escrow),
moves their deadlines into the past, then times `expire_overdue()`: one pass that locks
each job with SKIP LOCKED in its own transaction, voids its hold (refund), rejects its
bids, records the history and the events. Prints refunds per second and checks the
ledger's invariants afterwards.

    BENCH_JOBS=10000 .venv/bin/python bench/sweep.py
"""

import os
import secrets
import time
from datetime import timedelta

from _django import setup

JOBS = int(os.environ.get("BENCH_JOBS", "10000"))
PER_COMMIT = 500
BUDGET = 10**10


def create_jobs() -> list[int]:
    from django.db import transaction
    from django.utils import timezone

    from ledger import services as ledger
    from marketplace.jobs import services
    from marketplace.wallets.models import Wallet

    run = secrets.token_hex(4)
    owner = Wallet.objects.create(public_key=secrets.token_hex(32))
    with transaction.atomic():
        ledger.deposit(
            owner.public_key, "DOT", JOBS * BUDGET, kind="bench", reference="bench", key=None
        )
    ids = []
    deadline = timezone.now() + timedelta(hours=1)
    for start in range(0, JOBS, PER_COMMIT):
        with transaction.atomic():
            for i in range(start, min(start + PER_COMMIT, JOBS)):
                job = services.submit_job(
                    owner,
                    model_ref="bench",
                    data_ref="",
                    compute_type="gpu",
                    asset="DOT",
                    budget=BUDGET,
                    deadline=deadline,
                    privacy_required=False,
                    idempotency_key=f"bench:{run}:{i}",
                )
                ids.append(job.pk)
    return ids


def main() -> None:
    setup()
    from django.utils import timezone

    from ledger.invariants import violations
    from marketplace.jobs import services
    from marketplace.jobs.models import Job

    started = time.perf_counter()
    ids = create_jobs()
    created = time.perf_counter() - started
    Job.objects.filter(pk__in=ids).update(deadline=timezone.now())

    started = time.perf_counter()
    expired = services.expire_overdue()
    elapsed = time.perf_counter() - started

    assert expired == JOBS, expired
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
    assert violations() == [], violations()
    print(f"jobs={JOBS} created in {created:.1f} s ({JOBS / created:.0f} submit_job/s)")
    print(f"deadline sweep   : {elapsed:8.2f} s")
    print(f"refunds/s        : {expired / elapsed:8.0f}")


if __name__ == "__main__":
    main()
