"""Ledger transfers per second, next to a raw-SQL baseline measured in the same run.

Each of THREADS threads commits one transfer per transaction between its own pair of
accounts, first through `ledger.services.transfer` (row locks in id order, balance
check, two UPDATEs, one INSERT), then as raw SQL (two guarded UPDATEs + one INSERT per
commit, psycopg, no ORM). Prints both rates and their ratio.

    make bench            # or: .venv/bin/python bench/ledger_transfer.py
"""

import os
import threading
import time

from _django import setup

THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PER_THREAD = int(os.environ.get("BENCH_TRANSFERS", "1500"))


def run_threads(work) -> float:
    barrier = threading.Barrier(THREADS + 1)
    threads = [threading.Thread(target=work, args=(i, barrier)) for i in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return THREADS * PER_THREAD / (time.perf_counter() - started)


def ledger_rate() -> float:
    from django.db import connections, transaction

    from ledger import services as ledger

    owners = [(f"{2 * i:064x}", f"{2 * i + 1:064x}") for i in range(THREADS)]
    with transaction.atomic():
        for payer, _ in owners:
            ledger.deposit(payer, "DOT", 10**30, kind="bench", reference="bench", key=None)

    def work(i, barrier):
        payer, payee = owners[i]
        with transaction.atomic():
            debit = ledger.user_account(payer, "DOT")
            credit = ledger.user_account(payee, "DOT")
        barrier.wait()
        for _ in range(PER_THREAD):
            with transaction.atomic():
                ledger.transfer(debit=debit, credit=credit, amount=1, kind="bench")
        connections.close_all()

    return run_threads(work)


def raw_rate(url: str) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_transfer, bench_raw_account")
        conn.execute(
            "CREATE TABLE bench_raw_account (id bigint PRIMARY KEY, balance numeric(39,0))"
        )
        conn.execute(
            "CREATE TABLE bench_raw_transfer (id bigserial PRIMARY KEY, debit bigint,"
            " credit bigint, amount numeric(39,0), kind varchar(32),"
            " created_at timestamptz DEFAULT now())"
        )
        for i in range(THREADS):
            conn.execute(
                "INSERT INTO bench_raw_account VALUES (%s, 1e30), (%s, 0)", [2 * i, 2 * i + 1]
            )

    def work(i, barrier):
        with psycopg.connect(url) as conn:
            barrier.wait()
            for _ in range(PER_THREAD):
                with conn.transaction():
                    cur = conn.execute(
                        "UPDATE bench_raw_account SET balance = balance - 1"
                        " WHERE id = %s AND balance >= 1",
                        [2 * i],
                    )
                    assert cur.rowcount == 1
                    conn.execute(
                        "UPDATE bench_raw_account SET balance = balance + 1 WHERE id = %s",
                        [2 * i + 1],
                    )
                    conn.execute(
                        "INSERT INTO bench_raw_transfer (debit, credit, amount, kind)"
                        " VALUES (%s, %s, 1, 'bench')",
                        [2 * i, 2 * i + 1],
                    )

    return run_threads(work)


def main() -> None:
    url = setup()
    raw = raw_rate(url)
    ledger = ledger_rate()
    from ledger.invariants import violations

    assert violations() == [], violations()
    print(f"threads={THREADS} transfers/thread={PER_THREAD}")
    print(f"raw SQL baseline : {raw:8.0f} transfers/s")
    print(f"ledger service   : {ledger:8.0f} transfers/s")
    print(f"ratio            : {ledger / raw:8.2f} (goal >= 0.40)")


if __name__ == "__main__":
    main()
