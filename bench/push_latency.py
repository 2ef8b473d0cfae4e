"""Push latency: commit → WebSocket client, with SOCKETS agents connected to
`/ws/events/?token=…` of one real daphne process (Redis channel layer).

1. SOCKETS wallets, each with an API token (`marketplace.wallets.services.login`,
   request=None) in the bench database.
2. daphne on a free port of 127.0.0.1, REDIS_URL = BENCH_REDIS_URL (default
   redis://127.0.0.1:6379/15); SOCKETS sockets opened with `websockets` (asyncio),
   each waiting for its `hello`.
3. A publisher subprocess (this script with `--publish`, its own Django) commits
   events with `marketplace.core.events.publish` inside transactions and records the
   wall-clock time each commit finished (an on-commit hook registered before the push):
   - targeted: TARGETED events, each to one random wallet's `user.<key>` group;
   - broadcast: BROADCASTS events to `public`, which every socket hears.
   Each socket records when it received each event; latency = receive - commit.

    .venv/bin/python bench/push_latency.py
    BENCH_SOCKETS=1000 BENCH_TARGETED=300 BENCH_BROADCASTS=20 .venv/bin/python bench/push_latency.py
"""

import asyncio
import json
import os
import random
import resource
import sys
import time

from _django import ROOT, setup

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
TARGETED = int(os.environ.get("BENCH_TARGETED", "300"))
TARGETED_GAP = float(os.environ.get("BENCH_TARGETED_GAP", "0.02"))
BROADCASTS = int(os.environ.get("BENCH_BROADCASTS", "20"))
BROADCAST_GAP = float(os.environ.get("BENCH_BROADCAST_GAP", "0.5"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
UNLIMITED = "100000000/minute"
RATES = {
    name: UNLIMITED for name in ("PM_RATE_IP", "PM_RATE_ADDRESS", "PM_RATE_LOGIN", "PM_RATE_FAUCET")
}
CONNECT_CONCURRENCY = 50
# BENCH_LAYER=pubsub: channels-redis's Pub/Sub layer (bench/pubsub_settings.py), to compare
if os.environ.get("BENCH_LAYER") == "pubsub":
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.pubsub_settings"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * SOCKETS + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def make_wallets() -> list[tuple[str, str]]:
    """(public key, token) for SOCKETS fresh wallets."""
    from django.db import transaction

    from marketplace.wallets.models import Wallet
    from marketplace.wallets.services import login

    keys = [os.urandom(32).hex() for _ in range(SOCKETS)]
    with transaction.atomic():
        wallets = Wallet.objects.bulk_create([Wallet(public_key=key) for key in keys])
        return [(wallet.public_key, login(wallet, request=None)) for wallet in wallets]


# --- publisher (a subprocess, so its commits do not compete with 1,000 readers) --------


def publish_main(plan_path: str) -> None:
    os.environ["REDIS_URL"] = REDIS_URL
    setup()
    from django.db import transaction

    from marketplace.core.events import PUBLIC, publish, user_group

    with open(plan_path) as f:
        plan = json.load(f)
    committed: dict[str, float] = {}
    for seq, (target, gap) in enumerate(plan):
        group = PUBLIC if target is None else user_group(target)
        with transaction.atomic():
            # registered before publish's own hook: runs first, right after COMMIT
            transaction.on_commit(lambda seq=seq: committed.__setitem__(seq, time.time()))
            publish([group], "bench.ping", {"seq": seq})
        time.sleep(gap)
    print(json.dumps(committed))


# --- sockets ------------------------------------------------------------------------------


async def run_sockets(ws_url: str, wallets, plan_path: str) -> tuple[dict, dict]:
    import websockets

    received: dict[int, list[tuple[str, float]]] = {}
    ready = asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets = []

    async def open_socket(key: str, token: str):
        async with ready:
            ws = await websockets.connect(
                f"{ws_url}/ws/events/?token={token}", open_timeout=60, max_queue=None
            )
            hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert hello["type"] == "hello", hello
            return key, ws

    started = time.perf_counter()
    sockets = await asyncio.gather(*(open_socket(key, token) for key, token in wallets))
    connect_seconds = time.perf_counter() - started

    async def reader(key: str, ws) -> None:
        try:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "bench.ping":
                    received.setdefault(message["data"]["seq"], []).append((key, now))
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.create_task(reader(key, ws)) for key, ws in sockets]
    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bench" / "push_latency.py"),
        "--publish",
        plan_path,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "REDIS_URL": REDIS_URL},
    )
    out, _ = await asyncio.wait_for(publisher.communicate(), 120)
    committed = {int(k): v for k, v in json.loads(out.decode().strip().splitlines()[-1]).items()}
    await asyncio.sleep(2)  # late deliveries
    open_at_end = sum(1 for _, ws in sockets if ws.state.name == "OPEN")
    await asyncio.gather(*(ws.close() for _, ws in sockets))
    for task in readers:
        task.cancel()
    info = {"connect_seconds": connect_seconds, "open_at_end": open_at_end}
    return received, committed, info


def main() -> None:
    if sys.argv[1:2] == ["--publish"]:
        publish_main(sys.argv[2])
        return
    raise_open_files()
    os.environ.update(RATES)
    setup()
    from tests.stack import web_server

    wallets = make_wallets()
    keys = [key for key, _ in wallets]
    rng = random.Random(8)
    plan = [(rng.choice(keys), TARGETED_GAP) for _ in range(TARGETED)]
    plan += [(None, BROADCAST_GAP) for _ in range(BROADCASTS)]
    plan_path = str(ROOT / "test-artifacts" / "bench-push-plan.json")
    os.makedirs(os.path.dirname(plan_path), exist_ok=True)
    with open(plan_path, "w") as f:
        json.dump(plan, f)

    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    print(f"settings: {settings_module}")
    with web_server(
        "bench-push-web", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE=settings_module, **RATES
    ) as base_url:
        ws_url = base_url.replace("http://", "ws://")
        received, committed, info = asyncio.run(run_sockets(ws_url, wallets, plan_path))

    targeted, broadcast, missing = [], [], 0
    for seq, (target, _) in enumerate(plan):
        got = received.get(seq, [])
        if target is None:
            missing += SOCKETS - len(got)
            broadcast += [(at - committed[seq]) * 1000 for _, at in got]
        else:
            hits = [at for key, at in got if key == target]
            missing += 0 if hits else 1
            targeted += [(at - committed[seq]) * 1000 for at in hits]
    print(
        f"{SOCKETS} sockets connected in {info['connect_seconds']:.1f} s;"
        f" open at the end: {info['open_at_end']}"
    )
    for name, values, count in (
        ("targeted (user.<key>)", targeted, TARGETED),
        ("broadcast (public)", broadcast, BROADCASTS * SOCKETS),
    ):
        if values:
            print(
                f"{name:<22} {len(values):6d}/{count} deliveries  p50 "
                f"{percentile(values, 0.5):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
                f"  max {max(values):7.1f} ms"
            )
    print(f"missing deliveries: {missing}")
    everything = targeted + broadcast
    print(f"all deliveries p99: {percentile(everything, 0.99):.1f} ms (goal <= 250 ms)")


if __name__ == "__main__":
    main()
