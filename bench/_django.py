"""Set Django up for a benchmark against its own PostgreSQL database (never the dev or
test one): BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/polkamesh_bench."""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/polkamesh_bench"


def setup() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    # Warnings only: a log line per event would be measured with the code.
    os.environ.setdefault("PM_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far: its own share of the cores,
    which other work on the machine changes far less than it changes wall-clock time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def analyze() -> None:
    """Refresh the planner's statistics after a set-up wrote thousands of rows, as
    autovacuum does on a production server. Without them (autovacuum is off on some
    CI machines) PostgreSQL plans for the empty tables it last saw: a nested loop that
    scans every account once per row of a 1,000-row update."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@contextmanager
def unannounced() -> Iterator[None]:
    """A set-up block whose events go to the outbox only: pushing them (from the pusher
    thread, after each commit) would still be under way in the measured block."""
    from django.test.utils import override_settings

    with override_settings(PM_EVENTS_DIRECT=False):
        yield


@dataclass
class Cost:
    """What a measured block took: wall-clock seconds, and CPU seconds of this process
    and of its PostgreSQL backend (the server runs on this machine)."""

    wall: float = 0.0
    process_cpu: float = 0.0
    backend_cpu: float = 0.0

    @property
    def cpu(self) -> float:
        return self.process_cpu + self.backend_cpu


@contextmanager
def measured() -> Iterator[Cost]:
    """Time the block: `with measured() as cost: ...`, then read `cost` after it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    cost = Cost()
    wall, process, server = time.perf_counter(), time.process_time(), cpu_seconds(backend)
    yield cost
    cost.wall = time.perf_counter() - wall
    cost.process_cpu = time.process_time() - process
    cost.backend_cpu = cpu_seconds(backend) - server
