"""Federated training: the time of one round over 10 Data NFTs x 10,000 readings each,
next to training the same model centrally on all 100,000 readings, in the same run.

A round, bid windows excluded (they are closed by hand instead of waited for): one bid
per task and the auto-assignment sweep; then per task, as a provider does it, a token
(`access_data` with the task), the NFT's readings over HTTP (10 pages of 1,000, the
whole Django stack), local training (`agents.trainer`) and `submit_federated_update`;
the last update aggregates, pays the round and opens the next one. The tasks run one
after another here (one process); on the market they run in parallel, so the figures
give both the sum and the critical path (bids + the slowest task + the last update),
and the data path: a task's token, readings and local fit, what federation adds to
the market steps every job has. The last line is the data path's ratio.

Central: one SELECT of all readings' fields (psycopg) + the same least-squares fit;
and the fit alone.

    .venv/bin/python bench/federated.py      # BENCH_DATABASE_URL, BENCH_ROUNDS (3)
"""

import os
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from _django import setup

NFTS = 10
READINGS = 10_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PAGE = 1000


def main() -> None:
    url = setup()
    import psycopg
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from ledger import services as ledger
    from marketplace.agents import trainer
    from marketplace.datanft import services as data_services
    from marketplace.datanft.models import Reading
    from marketplace.federated import services
    from marketplace.federated.models import Task
    from marketplace.jobs import services as job_services
    from marketplace.jobs.models import Job
    from marketplace.providers import services as provider_services
    from marketplace.wallets.models import Wallet

    run = datetime.now(UTC).strftime("%H%M%S%f")
    rng = np.random.default_rng(1)

    def wallet(tag: str) -> Wallet:
        key = (run + tag).encode().hex()[:64].ljust(64, "0")
        return Wallet.objects.get_or_create(public_key=key)[0]

    with transaction.atomic():
        researcher, provider = wallet("r"), wallet("p")
        for who in (researcher, provider):
            ledger.deposit(
                who.public_key,
                "DOT",
                10**15,
                kind="bench",
                reference="bench",
                key=f"bench:{who.public_key}",
            )
        provider_services.register_provider(
            provider,
            name="bench",
            capabilities=["cpu"],
            regions=[],
            pricing={"cpu": 10**9},
            stake=settings.PM_MIN_STAKE,
            idempotency_key=f"bench:{run}:provider",
        )
    nft_ids = []
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for index in range(NFTS):
        owner = wallet(f"o{index}")
        with transaction.atomic():
            nft = data_services.mint_data_nft(
                owner,
                name=f"bench {index}",
                description="",
                category="iot",
                sensor_type="bench",
                data_format="json",
                update_frequency="1 min",
                content_ref="ipfs://bench",
                access_policy="subscription",
                asset="DOT",
                price_per_hour=1,
                location="",
                training_allowed=True,
                training_price_per_round=10**8,
            )
        x1, x2 = rng.normal(0, 2, READINGS), rng.normal(1, 1, READINGS)
        y = 2 * x1 - 3 * x2 + 5 + rng.normal(0, 0.5, READINGS)
        Reading.objects.bulk_create(
            (
                Reading(
                    nft=nft,
                    ts=start + timedelta(minutes=i),
                    value=float(y[i]),
                    extra={"x1": float(x1[i]), "x2": float(x2[i]), "y": float(y[i])},
                )
                for i in range(READINGS)
            ),
            batch_size=5000,
        )
        nft_ids.append(nft.pk)

    federated = services.submit_federated_job(
        researcher,
        model="linear_regression",
        features=["x1", "x2"],
        target="y",
        data_nft_ids=nft_ids,
        rounds=ROUNDS,
        asset="DOT",
        budget=10**13,
        deadline=timezone.now() + timedelta(hours=1),
        idempotency_key=f"bench:{run}:federated",
    )
    http = Client()

    phases = {"read": [], "train": [], "update": []}

    def task_work(job: Job) -> float:
        started = time.perf_counter()
        grant = data_services.access_data(provider, nft_id=job.data_nft_id, job_id=job.pk)
        readings, page = [], 1
        while True:
            body = http.get(
                f"/api/data-nfts/{job.data_nft_id}/readings",
                {"token": grant.token, "limit": PAGE, "page": page},
            ).json()
            readings.extend(body["results"])
            if not body["next"]:
                break
            page += 1
        read = time.perf_counter()
        state = Task.objects.select_related("federated").get(job_id=job.pk).federated
        update = trainer.train_on_readings(
            state.model, readings, state.features, state.target, state.global_weights
        )
        trained = time.perf_counter()
        services.submit_federated_update(
            provider, federated_job_id=federated.pk, job_id=job.pk, **update.as_params()
        )
        done = time.perf_counter()
        phases["read"].append(read - started)
        phases["train"].append(trained - read)
        phases["update"].append(done - trained)
        return done - started, trained - started

    rows = []
    for number in range(1, ROUNDS + 1):
        began = time.perf_counter()
        jobs = list(
            Job.objects.filter(
                pk__in=Task.objects.filter(federated=federated, round=number).values("job_id")
            )
        )
        for job in jobs:
            job_services.submit_bid(provider, job_id=job.pk, price=10**9, sla_seconds=60)
        Job.objects.filter(pk__in=[j.pk for j in jobs]).update(bid_window_ends_at=timezone.now())
        assigned = job_services.close_bid_windows()
        bids_done = time.perf_counter() - began
        tasks, data_paths = zip(*(task_work(job) for job in jobs), strict=True)
        total = time.perf_counter() - began
        critical = bids_done + max(tasks)
        rows.append((number, assigned, total, critical, max(tasks), bids_done, max(data_paths)))

    fit_times, central_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            data = conn.execute(
                "SELECT (extra->>'x1')::float, (extra->>'x2')::float, (extra->>'y')::float "
                "FROM datanft_reading WHERE nft_id = ANY(%s)",
                [nft_ids],
            ).fetchall()
        loaded = time.perf_counter()
        array = np.array(data)
        central = trainer.train("linear_regression", array[:, :2], array[:, 2], [0, 0, 0])
        done = time.perf_counter()
        fit_times.append(done - loaded)
        central_times.append(done - started)
    federated.refresh_from_db()
    central_read_fit, central_fit = min(central_times), min(fit_times)

    print(f"{NFTS} NFTs x {READINGS:,} readings, linear regression, {ROUNDS} rounds")
    print(
        "round | tasks | tasks in sequence | critical path | slowest task | bids + assignment"
        " | slowest data path | / central"
    )
    for number, assigned, total, critical, slowest, bids, data_path in rows:
        print(
            f"{number:5} | {assigned:5} | {total * 1000:10.0f} ms | {critical * 1000:9.0f} ms | "
            f"{slowest * 1000:8.0f} ms | {bids * 1000:8.0f} ms | {data_path * 1000:8.0f} ms | "
            f"{total / central_read_fit:5.1f}x seq, {critical / central_read_fit:5.1f}x critical, "
            f"{data_path / central_read_fit:4.1f}x data path"
        )
    print(
        "per task, median: "
        + ", ".join(f"{name} {np.median(times) * 1000:.0f} ms" for name, times in phases.items())
        + f"; the aggregating update {max(phases['update']) * 1000:.0f} ms"
    )
    print(
        f"central: SELECT {len(data):,} rows + fit {central_read_fit * 1000:.0f} ms; "
        f"fit alone {central_fit * 1000:.1f} ms"
    )
    print(
        f"federated weights {np.round(federated.global_weights, 4).tolist()} "
        f"({federated.status}), central {np.round(central.weights, 4).tolist()}"
    )
    # The data path (a task's token, readings and local fit) is what federation adds over
    # the central fit; bids, assignment and the round's payouts are any job's market steps.
    data_ratio = max(row[6] for row in rows) / central_read_fit
    critical_ratio = max(row[3] for row in rows) / central_read_fit
    print(f"critical path / central: {critical_ratio:.1f} (goal <= 3)")
    print(f"ratio: {data_ratio:.2f} (slowest data path / central; goal <= 3)")


if __name__ == "__main__":
    main()
