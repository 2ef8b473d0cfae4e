"""Data NFT readings: publishing 1,000 readings and serving them to a token holder,
each next to a raw-SQL baseline measured in the same run (best of ROUNDS).

- publish: `services.publish_readings` (owner check + one bulk INSERT in a transaction)
  vs. one multi-row psycopg INSERT of the same rows.
- read: `GET /api/data-nfts/{id}/readings?token=…&limit=1000` through the whole Django
  stack (token verify, access re-check, access log row, count, page, JSON) vs. psycopg
  SELECT of the same 1,000 rows + json.dumps.

    .venv/bin/python bench/datanft_readings.py
"""

import json
import os
import time
from datetime import UTC, datetime, timedelta

from _django import setup

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
COUNT = 1000


def best(work) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    url = setup()
    import psycopg
    from django.db import transaction
    from django.test import Client

    from marketplace.datanft import services
    from marketplace.datanft.models import Reading
    from marketplace.wallets.models import Wallet

    with transaction.atomic():
        owner, _ = Wallet.objects.get_or_create(public_key="be" * 32)
        nft = services.mint_data_nft(
            owner,
            name="bench",
            description="",
            category="iot",
            sensor_type="bench",
            data_format="json",
            update_frequency="hourly",
            content_ref="ipfs://bench",
            access_policy="subscription",
            asset="DOT",
            price_per_hour=1,
            location="",
        )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    readings = [
        {"ts": start + timedelta(hours=i), "value": float(i), "extra": {"lane": "n"}}
        for i in range(COUNT)
    ]

    publish = best(lambda: services.publish_readings(owner, nft_id=nft.pk, readings=readings))
    table = Reading._meta.db_table
    rows = [(nft.pk, r["ts"], r["value"], json.dumps(r["extra"])) for r in readings]
    values = ", ".join(["(%s, %s, %s, %s, now())"] * COUNT)
    flat = [item for row in rows for item in row]

    def raw_insert():
        with psycopg.connect(url) as conn:
            conn.execute(
                f"INSERT INTO {table} (nft_id, ts, value, extra, created_at) VALUES {values}", flat
            )

    raw_publish = best(raw_insert)

    token = services.access_data(owner, nft_id=nft.pk).token
    client = Client()
    path = f"/api/data-nfts/{nft.pk}/readings?token={token}&limit={COUNT}"

    def read():
        response = client.get(path)
        assert response.status_code == 200 and len(response.json()["results"]) == COUNT

    served = best(read)

    def raw_read():
        with psycopg.connect(url) as conn:
            found = conn.execute(
                f"SELECT ts, value, extra FROM {table} WHERE nft_id = %s ORDER BY ts, id LIMIT %s",
                [nft.pk, COUNT],
            ).fetchall()
            json.dumps([{"ts": ts.isoformat(), "value": v, **e} for ts, v, e in found])

    raw_served = best(raw_read)
    print(f"{COUNT} readings, best of {ROUNDS}")
    print(f"publish: service {publish * 1000:7.1f} ms  raw INSERT {raw_publish * 1000:7.1f} ms")
    print(f"read:    HTTP    {served * 1000:7.1f} ms  raw SELECT {raw_served * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
