"""Browser tests: a real daphne server and Celery worker against the test database
(PostgreSQL) and Redis, driven by Debian's chromium through Playwright, with a
keyring-backed fake wallet injected into every page."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls
# are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    import urllib.request

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


def stack_env() -> dict:
    """The environment of the server processes: the test database, the test Redis."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    return {**os.environ, "DATABASE_URL": url, "REDIS_URL": os.environ.get("REDIS_URL", "")}


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """daphne + a Celery worker for the whole session, on the test database."""
    port = _free_port()
    env = stack_env()
    ARTIFACTS.mkdir(exist_ok=True)
    logs = open(ARTIFACTS / "live-stack.log", "w")  # noqa: SIM115 (kept open for the session)
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
        env=env,
        stdout=logs,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "polkamesh_web",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=logs,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(url + "/api/config", web)
        yield url
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server_url, transactional_db, request):
    """`page = open_as("Alice", "/wallet/")`: a fresh browser context whose injected
    wallet offers that dev account first. Each page is screenshotted at teardown."""
    contexts = []

    def open_page(account: str, path: str = "/"):
        context = browser.new_context(
            base_url=live_server_url, viewport={"width": 1200, "height": 900}
        )
        context.add_init_script(script=f"window.__pmFakeWalletAccount = {account!r};")
        context.add_init_script(path=str(ROOT / "static/js/fake-wallet.js"))
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(path)
        contexts.append((context, page))
        return page

    yield open_page
    for index, (context, page) in enumerate(contexts):
        name = request.node.name + (f"-{index}" if index else "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()


def sign_in(page) -> None:
    """Click "Sign in with wallet": the fake wallet signs `login` and the page reloads."""
    with page.expect_navigation():
        page.click("[data-pm-connect]")
    page.wait_for_selector("[data-pm-logout]")
