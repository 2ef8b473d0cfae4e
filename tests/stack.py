"""Real server processes for tests: daphne, Celery workers and beat started as
subprocesses against the test database (PostgreSQL) and the test Redis."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def stack_env(**overrides: str) -> dict:
    """The environment of a server process: the test database, the test Redis."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": os.environ.get("REDIS_URL", "")}
    return env | overrides


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return open(ARTIFACTS / f"{name}.log", "a")


@contextmanager
def celery_worker(name: str = "worker", concurrency: int = 1, **env):
    """A real `celery worker` process on the test database and Redis."""
    log = _log(name)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "polkamesh_web",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--hostname",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=stack_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        _stop([worker])
        log.close()


@contextmanager
def celery_beat(name: str = "beat", **env):
    """A real `celery beat` process (the database scheduler) on the test database and
    Redis. Exactly one per test, as in production."""
    log = _log(name)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "polkamesh_web", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=stack_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield beat
    finally:
        _stop([beat])
        log.close()


@contextmanager
def web_server(name: str = "web", **env):
    """A real daphne process; yields its base URL once it answers."""
    port = free_port()
    log = _log(name)
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "polkamesh_web.asgi:application",
        ],
        cwd=ROOT,
        env=stack_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/config", web)
        yield url
    finally:
        _stop([web])
        log.close()
