"""Push latency: commit → WebSocket client, with SOCKETS agents connected to
`/ws/events/?token=…` of real uvicorn processes (Redis channel layer).

1. SOCKETS wallets, each with an API token (`marketplace.wallets.services.login`,
   request=None) in the bench database.
2. SERVERS uvicorn processes (default 1, one worker each) on free ports of 127.0.0.1,
   REDIS_URL = BENCH_REDIS_URL (default redis://127.0.0.1:6379/15); SOCKETS sockets opened with
   `websockets` (asyncio), each waiting for its `hello`, split over CLIENTS client
   processes (1,000 agents are not one Python process; CLIENTS=1 measures a single
   reader of every socket). Client process n connects to server n mod SERVERS, as a
   proxy that spreads connections would.
3. A publisher subprocess (this script with `--publish`, its own Django) commits
   events with `marketplace.realtime.events.publish` inside transactions and records the
   wall-clock time each commit finished (an on-commit hook registered before the push):
   - targeted: TARGETED events, each to one random wallet's `user.<key>` group;
   - broadcast: BROADCASTS events to `public`, which every socket hears (with
     BENCH_BROADCAST_GROUP=capability, every wallet is a CPU provider and the
     broadcasts go to `capability.cpu`, as each `job.opened` of a CPU job does).
   Each socket records when it received each event; latency = receive - commit.
4. BENCH_PROFILE=<file>: py-spy samples the (first) server process while the events are
   published (raw collapsed stacks; `py-spy` is in requirements.txt).

    .venv/bin/python bench/push_latency.py
    BENCH_SOCKETS=1000 BENCH_TARGETED=300 BENCH_BROADCASTS=20 .venv/bin/python bench/push_latency.py
    BENCH_CLIENTS=1 BENCH_PROFILE=test-artifacts/push.txt .venv/bin/python bench/push_latency.py
"""

import asyncio
import gc
import json
import os
import random
import resource
import signal
import sys
import time
from pathlib import Path

from _django import ROOT, cpu_seconds, setup

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SERVERS = int(os.environ.get("BENCH_SERVERS", "1"))
TARGETED = int(os.environ.get("BENCH_TARGETED", "300"))
TARGETED_GAP = float(os.environ.get("BENCH_TARGETED_GAP", "0.02"))
BROADCASTS = int(os.environ.get("BENCH_BROADCASTS", "20"))
BROADCAST_GAP = float(os.environ.get("BENCH_BROADCAST_GAP", "0.5"))
BY_CAPABILITY = os.environ.get("BENCH_BROADCAST_GROUP", "public") == "capability"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PROFILE = os.environ.get("BENCH_PROFILE", "")
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


def raise_open_files(sockets: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * sockets + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def make_wallets() -> list[tuple[str, str]]:
    """(public key, token) for SOCKETS fresh wallets."""
    from django.db import transaction

    from marketplace.providers.models import Provider
    from marketplace.wallets.models import Wallet
    from marketplace.wallets.services import login

    keys = [os.urandom(32).hex() for _ in range(SOCKETS)]
    with transaction.atomic():
        wallets = Wallet.objects.bulk_create([Wallet(public_key=key) for key in keys])
        if BY_CAPABILITY:  # their sockets join capability.cpu (providers.hooks)
            Provider.objects.bulk_create(
                Provider(wallet=wallet, name="bench", capabilities=["cpu"]) for wallet in wallets
            )
        return [(wallet.public_key, login(wallet, request=None)) for wallet in wallets]


# --- publisher (a subprocess, so its commits do not compete with the readers) ------------


def publish_main(plan_path: str) -> None:
    os.environ["REDIS_URL"] = REDIS_URL
    setup()
    from django.db import transaction

    from marketplace.realtime.events import PUBLIC, capability_group, publish, user_group

    with open(plan_path) as f:
        plan = json.load(f)
    committed: dict[str, float] = {}
    everyone = capability_group("cpu") if BY_CAPABILITY else PUBLIC
    for seq, (target, gap) in enumerate(plan):
        group = everyone if target is None else user_group(target)
        with transaction.atomic():
            # registered before publish's own hook: runs first, right after COMMIT
            transaction.on_commit(lambda seq=seq: committed.__setitem__(seq, time.time()))
            publish([group], "bench.ping", {"seq": seq})
        time.sleep(gap)
    print(json.dumps(committed))


# --- a client process: its share of the sockets -----------------------------------------


async def client_main(ws_url: str, wallets_path: str) -> None:
    """Open the sockets of `wallets_path`, print `ready`, read until a line on stdin,
    then print what each socket received as JSON."""
    import websockets

    with open(wallets_path) as f:
        wallets = json.load(f)
    raise_open_files(len(wallets))
    received: list[tuple[int, str, float]] = []
    ready = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_socket(key: str, token: str):
        async with ready:
            ws = await websockets.connect(
                f"{ws_url}/ws/events/?token={token}", open_timeout=60, max_queue=None
            )
            hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert hello["type"] == "hello", hello
            return key, ws

    async def reader(key: str, ws) -> None:
        try:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") == "bench.ping":
                    received.append((message["data"]["seq"], key, now))
        except websockets.ConnectionClosed:
            pass

    started = time.perf_counter()
    sockets = await asyncio.gather(*(open_socket(key, token) for key, token in wallets))
    connect_seconds = time.perf_counter() - started
    # The clients are the measuring instrument: a full garbage collection over 250
    # sockets' objects in the middle of a broadcast would be counted as push latency.
    gc.collect()
    gc.freeze()
    readers = [asyncio.create_task(reader(key, ws)) for key, ws in sockets]
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    open_at_end = sum(1 for _, ws in sockets if ws.state.name == "OPEN")
    await asyncio.gather(*(ws.close() for _, ws in sockets))
    for task in readers:
        task.cancel()
    info = {"connect_seconds": connect_seconds, "open_at_end": open_at_end}
    print(json.dumps({"received": received, **info}), flush=True)


# --- the run -----------------------------------------------------------------------------


def child_pid(port: int) -> int:
    """The pid of this process's child serving `port` (the uvicorn of `web_server`)."""
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(os.getpid()) and str(port).encode() in argv:
            return int(proc.name)
    raise LookupError(port)


async def run(ws_urls: list[str], wallets, plan_path: str) -> tuple[dict, dict, dict]:
    script = str(ROOT / "bench" / "push_latency.py")
    env = {**os.environ, "REDIS_URL": REDIS_URL}
    clients = []
    for n in range(CLIENTS):
        path = ROOT / "test-artifacts" / f"bench-push-wallets-{n}.json"
        path.write_text(json.dumps(wallets[n::CLIENTS]))
        clients.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                script,
                "--clients",
                ws_urls[n % len(ws_urls)],
                str(path),
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=2**30,
            )
        )
    started = time.perf_counter()
    for client in clients:
        line = await asyncio.wait_for(client.stdout.readline(), 180)
        assert line.strip() == b"ready", line
    connect_seconds = time.perf_counter() - started
    servers = [child_pid(int(url.rsplit(":", 1)[1])) for url in ws_urls]
    cpu_before = {pid: cpu_seconds(pid) for pid in servers + [c.pid for c in clients]}

    profiler = None
    if PROFILE:
        pid = servers[0]
        profiler = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "100",
            "--nonblocking",
            "-o",
            PROFILE,
        )
    publisher = await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        "--publish",
        plan_path,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(publisher.communicate(), 300)
    committed = {int(k): v for k, v in json.loads(out.decode().strip().splitlines()[-1]).items()}
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        await profiler.wait()
    await asyncio.sleep(2)  # late deliveries
    cpu = {pid: cpu_seconds(pid) - used for pid, used in cpu_before.items()}
    server_cpu = sum(cpu[pid] for pid in servers)
    client_cpu = sum(cpu[c.pid] for c in clients)

    received: dict[int, list[tuple[str, float]]] = {}
    open_at_end = 0
    for client in clients:
        out, _ = await asyncio.wait_for(client.communicate(b"stop\n"), 120)
        result = json.loads(out.decode().strip().splitlines()[-1])
        open_at_end += result["open_at_end"]
        for seq, key, at in result["received"]:
            received.setdefault(seq, []).append((key, at))
    info = {"connect_seconds": connect_seconds, "open_at_end": open_at_end}
    return received, committed, info | {"server_cpu": server_cpu, "client_cpu": client_cpu}


def main() -> None:
    if sys.argv[1:2] == ["--publish"]:
        publish_main(sys.argv[2])
        return
    if sys.argv[1:2] == ["--clients"]:
        asyncio.run(client_main(sys.argv[2], sys.argv[3]))
        return
    os.environ.update(RATES)
    setup()
    from contextlib import ExitStack

    import redis

    # The bench's own Redis database starts empty: the group members of servers that
    # earlier runs stopped would otherwise stay in `public` for a day (channels-redis's
    # group expiry) and take every broadcast too.
    redis.Redis.from_url(REDIS_URL).flushdb()

    from tests.stack import web_server

    raise_open_files(SOCKETS)  # the servers inherit the limit
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
    print(f"settings: {settings_module}; {SERVERS} server(s), {CLIENTS} client process(es)")
    load = os.getloadavg()
    env = {"REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": settings_module, **RATES}
    with ExitStack() as servers:
        urls = [
            servers.enter_context(web_server(f"bench-push-web-{n}", **env)) for n in range(SERVERS)
        ]
        ws_urls = [url.replace("http://", "ws://") for url in urls]
        received, committed, info = asyncio.run(run(ws_urls, wallets, plan_path))

    targeted, broadcast, spans, missing, slowest = [], [], [], 0, []
    for seq, (target, _) in enumerate(plan):
        got = received.get(seq, [])
        if target is None:
            missing += SOCKETS - len(got)
            broadcast += [(at - committed[seq]) * 1000 for _, at in got]
            # first to last socket: the fan-out itself, without the way to the server
            spans += [(max(at for _, at in got) - min(at for _, at in got)) * 1000] if got else []
            slowest += [(max(at for _, at in got) - committed[seq]) * 1000] if got else []
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
        (
            f"broadcast ({'capability.cpu' if BY_CAPABILITY else 'public'})",
            broadcast,
            BROADCASTS * SOCKETS,
        ),
    ):
        if values:
            print(
                f"{name:<22} {len(values):6d}/{count} deliveries  p50 "
                f"{percentile(values, 0.5):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms"
                f"  max {max(values):7.1f} ms"
            )
    if targeted and broadcast:
        # the baseline of the same run: one push to one socket through the same path
        ratio = percentile(broadcast, 0.5) / percentile(targeted, 0.5)
        print(
            f"broadcast fan-out, first to last socket: p50 {percentile(spans, 0.5):.1f} ms;"
            f" broadcast / targeted p50: {ratio:.1f}x"
        )
    if slowest:
        print("last socket of each broadcast, in order (ms):", *(f"{v:.0f}" for v in slowest))
    print(
        f"CPU while publishing: server(s) {info['server_cpu']:.2f} s, clients"
        f" {info['client_cpu']:.2f} s; per broadcast (all else aside) server"
        f" {info['server_cpu'] / max(BROADCASTS, 1) * 1000:.0f} ms,"
        f" clients {info['client_cpu'] / max(BROADCASTS, 1) * 1000:.0f} ms"
    )
    print(f"missing deliveries: {missing}")
    everything = targeted + broadcast
    print(f"all deliveries p99: {percentile(everything, 0.99):.1f} ms (goal <= 250 ms)")
    after = os.getloadavg()
    print(f"load average before/after (1 min): {load[0]:.2f} / {after[0]:.2f}")


if __name__ == "__main__":
    main()
