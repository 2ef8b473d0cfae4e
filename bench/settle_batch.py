"""Batch settlement end to end: 1,000 and 10,000 sealed intents over four pairs (a third
of them routed through two pools), settled by `settle_batch` — decrypt, clear, ledger,
statuses, events, commit — next to a raw-SQL bulk application of the same transfers in
the same run.

The baseline replays, in one transaction that is rolled back, exactly the transfers the
settlement wrote: one UPDATE of every account's net change, one INSERT of the
transfers, one UPDATE of the holds and of the intents, one INSERT of the events. It is
the least any settlement of those rows can cost, without decrypting or clearing.

    .venv/bin/python bench/settle_batch.py
    BENCH_SIZES=1000 .venv/bin/python bench/settle_batch.py

Prints per size the settlement's time and rate, the baseline's (wall-clock, and the CPU
time of this process and of its PostgreSQL backend, which a loaded machine distorts
far less), then
t(10k)/t(1k) (goal <= 12) and, as its last line, the ratio at the largest size
(goal >= 0.30).
"""

import base64
import json
import os
import random
import secrets
import time
from datetime import timedelta

from _django import Cost, analyze, measured, setup, unannounced

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
TRADERS = 200
PER_COMMIT = 500
# The four pools (whole units): DOT/USDT, DOT/KSM, USDT/ASTR and KSM/ASTR; an intent
# between DOT and ASTR, or USDT and KSM, routes through two of them.
POOLS = [
    ("DOT", "USDT", 2_000_000, 10_000_000),
    ("DOT", "KSM", 1_000_000, 250_000),
    ("ASTR", "USDT", 500_000_000, 25_000_000),
    ("ASTR", "KSM", 400_000_000, 100_000),
]
PAIRS = [("DOT", "USDT"), ("DOT", "KSM"), ("USDT", "ASTR"), ("KSM", "ASTR"), ("DOT", "ASTR")]


def unit(asset: str) -> int:
    from ledger.selectors import asset_decimals

    return 10 ** asset_decimals(asset)


def seed(run: str) -> list[str]:
    """The pools, and TRADERS wallets with every asset; returns the wallets' keys."""
    from django.db import transaction

    from ledger import services as ledger
    from marketplace.intents.services import seed_pool
    from marketplace.wallets.models import Wallet

    for a, b, amount_a, amount_b in POOLS:
        seed_pool(
            a, b, amount_a * unit(a), amount_b * unit(b), fee_bps=30, key=f"bench:{a}{b}:{run}"
        )
    keys = [secrets.token_hex(32) for _ in range(TRADERS)]
    with transaction.atomic():
        Wallet.objects.bulk_create([Wallet(public_key=key) for key in keys])
        for key in keys:
            for asset in ("DOT", "USDT", "KSM", "ASTR"):
                ledger.deposit(
                    key, asset, 10**9 * unit(asset), kind="bench", reference="bench", key=None
                )
    return keys


def submit(batch, keys: list[str], count: int, rng: random.Random) -> None:
    from django.db import transaction
    from nacl.public import PublicKey, SealedBox

    from marketplace.intents import services
    from marketplace.wallets.models import Wallet

    wallets = {w.public_key: w for w in Wallet.objects.filter(public_key__in=keys)}
    box = SealedBox(PublicKey(bytes.fromhex(batch.public_key)))
    for start in range(0, count, PER_COMMIT):
        with transaction.atomic():
            for k in range(start, min(start + PER_COMMIT, count)):
                token_in, token_out = PAIRS[k % len(PAIRS)]
                if rng.random() < 0.5:
                    token_in, token_out = token_out, token_in
                amount = rng.randint(1, 2_000) * unit(token_in) // 100
                # about one in ten asks more than any batch pays and is dropped
                min_output = 10**40 if rng.random() < 0.1 else 1
                sealed = box.encrypt(
                    json.dumps({"amount_in": str(amount), "min_output": str(min_output)}).encode()
                )
                services.submit_intent(
                    wallets[keys[k % len(keys)]],
                    batch_id=batch.pk,
                    token_in=token_in,
                    token_out=token_out,
                    lock_amount=amount,
                    sealed_intent=base64.b64encode(sealed).decode(),
                    idempotency_key=f"bench:{batch.pk}:{k}",
                )


def raw_application(batch_id: int) -> Cost:
    """What it costs raw SQL to apply the transfers batch `batch_id`'s settlement wrote,
    with its hold, intent and event rows (rolled back afterwards)."""
    from django.db import connection, transaction

    from ledger.models import Transfer
    from marketplace.intents.models import Intent

    intents = list(Intent.objects.filter(batch_id=batch_id).values_list("pk", "hold_id"))
    references = [f"intent:{pk}" for pk, _ in intents] + [f"batch:{batch_id}"]
    transfers = list(
        Transfer.objects.filter(reference__in=references).values_list(
            "asset_id", "debit_account_id", "credit_account_id", "amount", "kind", "reference"
        )
    )
    delta: dict[int, int] = {}
    for _, debit, credit, amount, _, _ in transfers:
        delta[debit] = delta.get(debit, 0) - amount
        delta[credit] = delta.get(credit, 0) + amount
    accounts, changes = sorted(delta), [delta[a] for a in sorted(delta)]
    columns = list(zip(*transfers, strict=True))
    statements = [
        (
            "SELECT id FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [accounts],
        ),
        (
            "UPDATE ledger_account a SET balance = a.balance + v.delta "
            "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, delta) WHERE a.id = v.id",
            [accounts, changes],
        ),
        (
            "INSERT INTO ledger_transfer (asset_id, debit_account_id, credit_account_id, "
            "amount, kind, reference, created_at) SELECT *, now() FROM unnest(%s::varchar[], "
            "%s::bigint[], %s::bigint[], %s::numeric[], %s::varchar[], %s::varchar[])",
            [list(c) for c in columns],
        ),
        (
            "UPDATE ledger_hold SET status = 'posted', closed_at = now() WHERE id = ANY(%s)",
            [[hold for _, hold in intents]],
        ),
        (
            "UPDATE intents_intent SET decided_at = now() WHERE id = ANY(%s)",
            [[pk for pk, _ in intents]],
        ),
        (
            "INSERT INTO core_outboxevent (groups, type, data, created_at) "
            "SELECT '[]'::jsonb, 'intent.status', jsonb_build_object('id', id), now() "
            "FROM unnest(%s::bigint[]) AS id",
            [[pk for pk, _ in intents]],
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        with measured() as cost:
            for sql, params in statements:
                cursor.execute(sql, params)
        transaction.set_rollback(True)
    return cost


def settle(keys: list[str], count: int, rng: random.Random) -> tuple[Cost, Cost]:
    from django.utils import timezone

    from marketplace.intents import services
    from marketplace.intents.models import Batch, BatchStatus, Intent
    from marketplace.realtime.events import drain_pushes

    Batch.objects.filter(status=BatchStatus.OPEN).update(closes_at=timezone.now())
    services.settle_due_batches()
    batch = services.open_epoch()
    Batch.objects.filter(pk=batch.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    started = time.perf_counter()
    with unannounced():
        submit(batch, keys, count, rng)
    print(f"  {count} intents submitted in {time.perf_counter() - started:.1f} s")
    Batch.objects.filter(pk=batch.pk).update(closes_at=timezone.now())
    analyze()
    with measured() as cost:
        assert services.settle_batch(batch.pk)
    drain_pushes(timeout=600)  # its events' pushes are not the baseline's
    statuses = Intent.objects.filter(batch_id=batch.pk).values_list("status", flat=True)
    executed = sum(1 for s in statuses if s == "executed")
    routed = Intent.objects.filter(batch_id=batch.pk, status="executed").exclude(via="").count()
    print(f"  executed {executed} of {count} ({routed} routed)")
    return cost, raw_application(batch.pk)


def main() -> None:
    setup()
    from ledger.invariants import violations

    rng = random.Random(20261202)
    keys = seed(secrets.token_hex(4))
    times = {}
    ratio = 0.0
    for count in SIZES:
        print(f"{count} sealed intents over {len(POOLS)} pools:")
        elapsed, baseline = settle(keys, count, rng)
        times[count] = elapsed.wall
        ratio = baseline.wall / elapsed.wall
        for name, cost in (("settle_batch", elapsed), ("raw SQL", baseline)):
            print(
                f"  {name:<15}: {cost.wall:7.2f} s ({count / cost.wall:7.0f} intents/s), CPU"
                f" {cost.cpu:.2f} s ({cost.process_cpu:.2f} process + {cost.backend_cpu:.2f}"
                " PostgreSQL)"
            )
        print(f"  CPU ratio      : {baseline.cpu / elapsed.cpu:.2f}")
    assert violations() == [], violations()
    if len(SIZES) > 1:
        small, large = min(SIZES), max(SIZES)
        print(f"t({large})/t({small}): {times[large] / times[small]:.1f} (goal <= 12)")
    print(f"ratio: {ratio:.2f} (goal >= 0.30)")


if __name__ == "__main__":
    main()
