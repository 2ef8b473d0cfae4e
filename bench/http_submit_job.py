"""Signed `submit_job` over HTTP against a real web server, next to a bare Django view
measured in the same run against the same server, with one server process and with
two; then the ledger bench (bench/ledger_transfer.py) again, so all ratios are printed
together.

For each set-up of BENCH_SETUPS (`server:processes`, default `uvicorn:1,uvicorn:2`;
`daphne:1` for the comparison) the script starts the server on a free port of 127.0.0.1
with the bench database, its own Redis database (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14) and rate limits set out of the way, and a bench-only URLconf
(bench/web_urls.py: the product's URLs plus `/bench/bare`). CLIENTS threads (requests,
one keep-alive session each) then run three phases of PHASE_SECONDS each, ROUNDS times:
`GET /bench/bare`; signed `submit_job` envelopes that the server rejects after their
signature, rate limits, domain and freshness passed, because a param is invalid (400:
the signed path's cost without its transaction); and valid signed `submit_job` (201).
Each client signs with its own wallet, funded through `ledger.services.deposit`;
envelopes are signed before a phase starts, so the client measures the server. Server
CPU is that of the whole process tree (uvicorn's workers).

Goals: signed `submit_job` >= 0.25 of the bare view with one process; `submit_job`
with two processes >= 1.6 x one process.

    .venv/bin/python bench/http_submit_job.py
    BENCH_SETUPS=daphne:1,uvicorn:1 BENCH_CLIENTS=8 BENCH_SECONDS=8 BENCH_ROUNDS=2 \
        .venv/bin/python bench/http_submit_job.py
"""

import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _django import ROOT, cpu_seconds, setup
from push_latency import child_pid

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
PHASE_SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
MAX_SIGNED = int(os.environ.get("BENCH_MAX_SIGNED", "600"))  # per client and phase
# server:processes, each measured in turn (the product runs uvicorn, see OPERATIONS.md)
SETUPS = os.environ.get("BENCH_SETUPS", "uvicorn:1,uvicorn:2").split(",")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
UNLIMITED = "100000000/minute"
RATES = {name: UNLIMITED for name in ("PM_RATE_IP", "PM_RATE_ADDRESS", "PM_RATE_LOGIN")}
RATES["PM_RATE_FAUCET"] = UNLIMITED
BUDGET = 10**9  # PM_MIN_BUDGET of DOT


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Phase:
    """CLIENTS threads, each sending its own requests until the time is up."""

    def __init__(self, name: str, make_requests):
        self.name = name
        self.make_requests = make_requests  # client index → list of (method, path, body)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def run(self, base_url: str, server_pids: list[int]) -> dict:
        import requests

        batches = [self.make_requests(i) for i in range(CLIENTS)]
        barrier = threading.Barrier(CLIENTS + 1)
        finished = [0.0] * CLIENTS

        def client(i: int) -> None:
            session = requests.Session()
            session.get(base_url + "/bench/bare")  # open the keep-alive connection
            mine: list[float] = []
            barrier.wait()
            deadline = time.perf_counter() + PHASE_SECONDS
            for method, path, body, expected in batches[i]:
                if time.perf_counter() >= deadline:
                    break
                began = time.perf_counter()
                response = session.request(method, base_url + path, json=body, timeout=30)
                mine.append(time.perf_counter() - began)
                if response.status_code != expected:
                    with self.lock:
                        self.errors.append(f"{response.status_code} {response.text[:200]}")
            finished[i] = time.perf_counter()
            session.close()
            with self.lock:
                self.latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        cpu_before = sum(map(cpu_seconds, server_pids))
        for thread in threads:
            thread.join()
        elapsed = max(finished) - started
        server_cpu = sum(map(cpu_seconds, server_pids)) - cpu_before
        if self.errors:
            raise SystemExit(f"{self.name}: {len(self.errors)} errors, first: {self.errors[0]}")
        return {
            "name": self.name,
            "requests": len(self.latencies),
            "rate": len(self.latencies) / elapsed,
            "p50": percentile(self.latencies, 0.50) * 1000,
            "p99": percentile(self.latencies, 0.99) * 1000,
            "cpu": server_cpu / len(self.latencies) * 1000,
        }


def fund(signers) -> None:
    from django.db import transaction

    from ledger import services as ledger

    with transaction.atomic():
        for signer in signers:
            ledger.deposit(
                signer.keypair.public_key.hex(),
                "DOT",
                10**24,
                kind="bench",
                reference="bench",
                key=f"bench:{signer.address}:{secrets.token_hex(8)}",
            )


def submit_job_requests(signer, domain: str, *, rejected: bool = False):
    params = {
        "model_ref": "bench/model",
        "data_ref": "",
        "compute_type": "cpu",
        "asset": "DOT",
        "budget": str(BUDGET),
        "deadline": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "privacy_required": False,
    }
    if rejected:
        params["compute_type"] = "abacus"  # not a compute type: 400 invalid_params
    out = []
    for _ in range(MAX_SIGNED):
        payload = signer.payload(
            "submit_job", params, domain=domain, nonce=secrets.token_urlsafe(24)
        )
        body = {"payload": payload, "signature": signer.sign(payload)}
        out.append(("POST", "/api/jobs", body, 400 if rejected else 201))
    return out


def bare_requests(_i: int):
    return [("GET", "/bench/bare", None, 200)] * 100_000


def print_phase(result: dict) -> None:
    print(
        f"  {result['name']:<16} {result['requests']:6d} req  {result['rate']:8.1f} req/s"
        f"  p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms"
        f"  server CPU {result['cpu']:5.1f} ms/req"
    )


def ledger_bench() -> float | None:
    """bench/ledger_transfer.py in a subprocess (after the server stopped)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ledger_transfer.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(done.stdout.rstrip())
    if done.returncode:
        print(done.stderr[-2000:])
        return None
    match = re.search(r"ratio\s*:\s*([0-9.]+)", done.stdout)
    return float(match.group(1)) if match else None


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes)."""
    parents = {}
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text() if proc.name.isdigit() else ""
        except OSError:
            continue
        if stat:
            parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = [pid]
    for parent in tree:
        tree.extend(child for child, of in parents.items() if of == parent)
    return tree


def run_setup(server: str, workers: int, signers, env: dict) -> list[tuple[dict, dict, dict]]:
    from django.conf import settings

    from tests.stack import web_server

    rounds = []
    with web_server("bench-web", server=server, workers=workers, **env) as base_url:
        time.sleep(1 if workers == 1 else 3)  # every worker up and listening
        pids = process_tree(child_pid(int(base_url.rsplit(":", 1)[1])))
        # warm up both paths in every worker (imports, connections, first queries)
        Phase("warm-up bare", bare_requests).run(base_url, pids)
        for round_ in range(ROUNDS):
            bare = Phase("bare view", bare_requests).run(base_url, pids)
            rejected = Phase(
                "signed, 400",
                lambda i: submit_job_requests(signers[i], settings.PM_DOMAIN, rejected=True),
            ).run(base_url, pids)
            submit = Phase(
                "submit_job",
                lambda i: submit_job_requests(signers[i], settings.PM_DOMAIN),
            ).run(base_url, pids)
            rounds.append((bare, rejected, submit))
            print(
                f"{server}, {workers} process(es), round {round_ + 1}: {CLIENTS} clients,"
                f" {PHASE_SECONDS:.0f} s per phase, load average {os.getloadavg()[0]:.1f}"
            )
            for phase in (bare, rejected, submit):
                print_phase(phase)
            print(f"  submit_job / bare: {submit['rate'] / bare['rate']:.2f}")
            print(f"  signed 400 / bare: {rejected['rate'] / bare['rate']:.2f}")
    return rounds


def main() -> None:
    os.environ.update(RATES)
    setup()
    from marketplace.agents.client import Signer

    signers = [Signer.from_uri(f"//BenchHttp{i}") for i in range(CLIENTS)]
    fund(signers)
    env = {"REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "bench.web_settings", **RATES}
    results = {}
    for name in SETUPS:
        server, workers = name.split(":")
        results[name] = run_setup(server, int(workers), signers, env)
    print("--- medians over the rounds ---")
    submit_rates = {}
    for name, rounds in results.items():
        ratio = statistics.median(submit["rate"] / bare["rate"] for bare, _, submit in rounds)
        ceiling = statistics.median(rejected["rate"] / bare["rate"] for bare, rejected, _ in rounds)
        submit_rates[name] = statistics.median(submit["rate"] for _, _, submit in rounds)
        goal = " (goal >= 0.25)" if name.endswith(":1") else ""
        print(f"{name}: signed submit_job / bare view: {ratio:.2f}{goal}")
        print(f"{name}: signed 400 / bare view (the envelope alone): {ceiling:.2f}")
    for name, rate in submit_rates.items():
        server, workers = name.split(":")
        one = submit_rates.get(f"{server}:1")
        if workers != "1" and one:
            print(
                f"{server}: submit_job with {workers} processes / 1: {rate / one:.2f}"
                " (goal >= 1.6 for 2)"
            )
    print("--- ledger bench (bench/ledger_transfer.py) ---")
    ledger_ratio = ledger_bench()
    print(f"ledger service / raw SQL: {ledger_ratio} (goal >= 0.40)")


if __name__ == "__main__":
    main()
