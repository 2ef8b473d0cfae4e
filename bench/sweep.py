"""Deadline sweep: time to expire and refund N overdue jobs (default 10,000).

Creates N jobs of one owner through `submit_job` (each holds its budget in escrow),
moves their deadlines into the past, then times two refunds of the same rows:

- the baseline: raw set-based SQL, the least any refund of these rows can cost (lock the
  jobs, one UPDATE of the payers, one INSERT of the transfers, one UPDATE each of the
  hold accounts, holds, bids and jobs, one INSERT of the history and of the events),
  timed to its last statement and rolled back, so the same rows stay due;
- `expire_overdue()`, the product's sweep, to its last commit.

Prints refunds per second and the ratio (goal >= 0.30) as its last line, wall-clock and,
next to it, the CPU time of this process and its PostgreSQL backend (which a loaded
machine distorts far less), and checks the ledger's invariants afterwards.

    BENCH_JOBS=10000 .venv/bin/python bench/sweep.py
"""

import os
import secrets
import time
from datetime import timedelta

from _django import Cost, analyze, measured, setup, unannounced

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


def raw_refund(ids: list[int]) -> Cost:
    """What the set-based SQL refund of jobs `ids` costs (rolled back afterwards)."""
    from django.db import connection, transaction

    statements = [
        "SELECT id FROM jobs_job WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE",
        """CREATE TEMP TABLE due ON COMMIT DROP AS
           SELECT j.id AS job_id, h.id AS hold_id, h.account_id, h.payer_id, h.asset_id,
                  a.balance FROM jobs_job j
           JOIN ledger_hold h ON h.id = j.escrow_hold_id
           JOIN ledger_account a ON a.id = h.account_id WHERE j.id = ANY(%(ids)s)""",
        """UPDATE ledger_account p SET balance = p.balance + s.total
           FROM (SELECT payer_id, sum(balance) AS total FROM due GROUP BY payer_id) s
           WHERE p.id = s.payer_id""",
        """INSERT INTO ledger_transfer (asset_id, debit_account_id, credit_account_id,
           amount, kind, reference, hold_id, created_at)
           SELECT asset_id, account_id, payer_id, balance, 'escrow_expired',
                  'job:' || job_id, hold_id, now() FROM due""",
        "UPDATE ledger_account a SET balance = 0 FROM due WHERE a.id = due.account_id",
        """UPDATE ledger_hold h SET status = 'voided', closed_at = now() FROM due
           WHERE h.id = due.hold_id""",
        """UPDATE jobs_bid SET status = 'rejected' WHERE job_id = ANY(%(ids)s)
           AND status = 'open'""",
        "UPDATE jobs_job SET status = 'expired' WHERE id = ANY(%(ids)s)",
        """INSERT INTO jobs_jobevent (job_id, status, at, note, reason)
           SELECT job_id, 'expired', now(), 'deadline passed', '' FROM due""",
        """INSERT INTO core_outboxevent (groups, type, data, created_at)
           SELECT '[]'::jsonb, 'job.status', jsonb_build_object('job_id', job_id), now()
           FROM due""",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        with measured() as cost:
            for sql in statements:
                cursor.execute(sql, {"ids": ids})
        transaction.set_rollback(True)
    return cost


def main() -> None:
    setup()
    from django.utils import timezone

    from ledger.invariants import violations
    from marketplace.jobs import services
    from marketplace.jobs.models import Job, JobStatus
    from marketplace.realtime.events import drain_pushes

    # What an interrupted earlier run left due goes first, so the sweep below counts ours.
    Job.objects.filter(status=JobStatus.REGISTERED).update(deadline=timezone.now())
    services.expire_overdue()

    started = time.perf_counter()
    with unannounced():
        ids = create_jobs()
    created = time.perf_counter() - started
    Job.objects.filter(pk__in=ids).update(deadline=timezone.now())
    analyze()

    baseline = raw_refund(ids)
    with measured() as sweep:
        expired = services.expire_overdue()
    with measured() as delivery:  # the pushes of the last chunks, still under way
        drain_pushes(timeout=600)

    assert expired == JOBS, expired
    assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
    assert violations() == [], violations()
    print(f"jobs={JOBS} created in {created:.1f} s ({JOBS / created:.0f} submit_job/s)")
    print("                   wall      CPU (process + PostgreSQL)")
    for name, cost in (("deadline sweep", sweep), ("raw SQL refund", baseline)):
        print(
            f"{name:<16}: {cost.wall:6.2f} s  {cost.cpu:6.2f} s "
            f"({cost.process_cpu:.2f} + {cost.backend_cpu:.2f}), {JOBS / cost.wall:.0f} refunds/s"
        )
    print(f"then its pushes  : {delivery.wall:6.2f} s  {delivery.process_cpu:6.2f} s (process)")
    print(f"CPU ratio        : {baseline.cpu / sweep.cpu:.2f}")
    print(f"refunds/s        : {expired / sweep.wall:8.0f} (goal >= 5000)")
    print(f"ratio: {baseline.wall / sweep.wall:.2f} (goal >= 0.30)")


if __name__ == "__main__":
    main()
