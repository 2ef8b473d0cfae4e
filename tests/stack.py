"""Real server processes for tests: the web server, Celery workers and beat started as
subprocesses against the test database (PostgreSQL) and the test Redis."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
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


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    # A first request gets 5 s: on a loaded machine the server's first answer (imports,
    # connections) can take seconds, and one cut off at 1 s starts over every time.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running(name: str, *args: str, **env):
    """`python <args>` on the test database and Redis, its output in
    test-artifacts/<name>.log; yields (process, log path) and stops it afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=stack_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process, log_path
        finally:
            _stop(process)


@contextmanager
def celery_worker(name: str = "worker", concurrency: int = 1, **env):
    """A real `celery worker` process."""
    celery = ("-m", "celery", "-A", "polkamesh_web", "worker", "--loglevel", "INFO")
    quiet = ("--without-heartbeat", "--without-mingle", "--without-gossip")
    options = ("--concurrency", str(concurrency), "--hostname", f"{name}@%h")
    with running(name, *celery, *quiet, *options, **env) as (worker, _):
        yield worker


@contextmanager
def celery_beat(name: str = "beat", **env):
    """A real `celery beat` process (the database scheduler). Exactly one per test, as in
    production."""
    with running(name, "-m", "celery", "-A", "polkamesh_web", "beat", "-l", "INFO", **env) as (
        beat,
        _,
    ):
        yield beat


@contextmanager
def batch_closer(name: str = "batches", **env):
    """A real `manage.py run_batches` process: settles each intent batch as it closes."""
    with running(name, "manage.py", "run_batches", **env) as running_closer:
        yield running_closer


@contextmanager
def web_server(name: str = "web", *, server: str = "uvicorn", workers: int = 1, **env):
    """A real web server, uvicorn as in production (the Procfile) with `workers`
    processes, or one daphne process (`server="daphne"`, for comparison); yields its
    base URL once it answers."""
    port = free_port()
    if server == "daphne":
        command: tuple[str, ...] = ("-m", "daphne", "-b", "127.0.0.1", "-p", str(port))
    else:
        command = (
            *("-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", str(workers), "--lifespan", "off", "--no-access-log"),
        )
    with running(name, *command, "polkamesh_web.asgi:application", **env) as (web, _):
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/api/config", web)
        yield url


class RedisServer:
    """A private, non-persistent `redis-server` on a free port, which a test may stop and
    start again on the same port (the shared Redis must never be restarted). Like any
    Redis without persistence, a restart loses every queued message."""

    def __init__(self, name: str, directory: Path):
        self.name, self.directory = name, directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self, command: bytes) -> bytes:
        """One raw RESP command (no client library: its retries would hide the outage)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(command + b"\r\n")
            return conn.recv(64)

    def start(self, timeout: float = 10) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        with open(ARTIFACTS / f"{self.name}.log", "a") as log:
            self.process = subprocess.Popen(
                [
                    *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if self._command(b"PING").startswith(b"+PONG"):
                    return
            except OSError:  # not listening yet
                pass
            time.sleep(0.05)
        raise TimeoutError(f"redis-server on port {self.port}")

    def stop(self) -> None:
        """`SHUTDOWN NOSAVE`: everything in memory is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        self._command(b"SHUTDOWN NOSAVE")  # the server closes the connection as it exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def redis_server(name: str, directory: Path):
    """A private RedisServer for the duration of the block."""
    server = RedisServer(name, directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def worker_children(worker: subprocess.Popen) -> list[int]:
    """The pids of a prefork Celery worker's living pool processes (a killed one stays a
    zombie until the worker reaps it)."""
    children: list[int] = []
    for task in Path(f"/proc/{worker.pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return [pid for pid in children if _state(pid) not in {"Z", "X", None}]


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rpartition(")")[2].split()[0]


LOCALNET = ROOT / "marketplace" / "chain" / "localnet"


class LocalChain:
    """The local Substrate chain (chopsticks, marketplace/chain/localnet) as a process on
    a port of its own, its output in test-artifacts/chain-<directory name>.log."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / f"chain-{directory.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, fresh: bool = True, timeout: float = 90) -> None:
        """Start it, fresh from genesis or resuming the state saved in its directory, and
        return once it says it is ready. Readiness is read from its log, not probed with
        connections: a probe of a port in the ephemeral range can connect to itself."""
        ARTIFACTS.mkdir(exist_ok=True)
        command = ["node", "start.mjs", "--port", str(self.port), "--dir", str(self.directory)]
        if fresh:
            command.append("--fresh")
        with open(self.log_path, "a") as log:
            offset = log.tell()
            self.process = subprocess.Popen(
                command, cwd=LOCALNET, stdout=log, stderr=subprocess.STDOUT
            )
        ready = f"local chain ready on {self.url}"
        deadline = time.monotonic() + timeout
        while ready not in self.log_path.read_text()[offset:]:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local chain exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("the local chain did not get ready")
            time.sleep(0.2)

    def running_url(self) -> str:
        """Its URL, after starting it afresh on the same port if its process has died
        (chopsticks is a development tool; a warning keeps how it ended)."""
        assert self.process is not None, "start() it first"
        if self.process.poll() is not None:
            tail = "".join(self.log_path.read_text().splitlines(keepends=True)[-20:])
            warnings.warn(
                f"the local chain had exited with {self.process.returncode}, started again; "
                f"its log ended:\n{tail}",
                stacklevel=2,
            )
            self.start()
        return self.url

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


@contextmanager
def local_chain(directory: Path, fresh: bool = True):
    """A local chain (LocalChain) for the length of the block; yields its ws:// URL."""
    chain = LocalChain(directory)
    try:
        chain.start(fresh)
        yield chain.url
    finally:
        chain.stop()
