"""Profile the signed `submit_job` hot path with pyinstrument, in process: Django's test
client posts COUNT signed `submit_job` envelopes to `/api/jobs`, timed without the
profiler, then COUNT more under it (the whole stack: middleware, DRF, envelope parsing,
sr25519 verify, throttles on Redis, replay check, params, the job service with its
escrow hold and outbox events, the push after commit). First it prints the SQL of one
request.

    .venv/bin/python bench/profile_submit_job.py            # text tree on stdout
    BENCH_PROFILE_HTML=profile.html .venv/bin/python bench/profile_submit_job.py

Uses the bench database and BENCH_REDIS_URL (default redis://127.0.0.1:6379/14).
"""

import json
import os
import secrets
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from _django import setup

COUNT = int(os.environ.get("BENCH_COUNT", "300"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
UNLIMITED = "100000000/minute"


def main() -> None:
    os.environ["REDIS_URL"] = REDIS_URL
    for name in ("PM_RATE_IP", "PM_RATE_ADDRESS", "PM_RATE_LOGIN", "PM_RATE_FAUCET"):
        os.environ[name] = UNLIMITED
    setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from ledger import services as ledger
    from marketplace.agents.client import Signer

    signer = Signer.from_uri("//BenchProfile")
    with transaction.atomic():
        ledger.deposit(
            signer.keypair.public_key.hex(),
            "DOT",
            10**24,
            kind="bench",
            reference="bench",
            key=f"bench:{secrets.token_hex(8)}",
        )
    params = {
        "model_ref": "bench/model",
        "data_ref": "",
        "compute_type": "cpu",
        "asset": "DOT",
        "budget": str(10**9),
        "deadline": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "privacy_required": False,
    }

    def body() -> str:
        payload = signer.payload(
            "submit_job", params, domain=settings.PM_DOMAIN, nonce=secrets.token_urlsafe(24)
        )
        return json.dumps({"payload": payload, "signature": signer.sign(payload)})

    client = Client()
    for _ in range(20):  # warm up
        assert client.post("/api/jobs", body(), content_type="application/json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/api/jobs", body(), content_type="application/json").status_code == 201
    kinds = Counter(query["sql"].split(None, 1)[0] for query in queries)
    print(f"SQL statements per signed submit_job: {len(queries)} ({dict(kinds)})")
    for query in queries:
        print("  ", query["sql"][:110])
    bodies = [body() for _ in range(COUNT)]
    started, cpu = time.perf_counter(), time.process_time()
    for data in bodies:
        assert client.post("/api/jobs", data, content_type="application/json").status_code == 201
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{COUNT} signed submit_job without the profiler: {elapsed / COUNT * 1000:.2f} ms each,"
        f" {cpu / COUNT * 1000:.2f} ms CPU of this process"
    )
    bodies = [body() for _ in range(COUNT)]
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for data in bodies:
        response = client.post("/api/jobs", data, content_type="application/json")
        assert response.status_code == 201, response.content
    profiler.stop()
    elapsed = time.perf_counter() - started
    print(f"{COUNT} signed submit_job profiled: {elapsed / COUNT * 1000:.2f} ms each")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if os.environ.get("BENCH_PROFILE_HTML"):
        with open(os.environ["BENCH_PROFILE_HTML"], "w") as out:
            out.write(profiler.output_html())


if __name__ == "__main__":
    main()
