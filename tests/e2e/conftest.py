"""Browser tests: a real web server (uvicorn) and Celery worker against the test database
(PostgreSQL) and Redis, driven by Debian's chromium through Playwright, with a
keyring-backed fake wallet injected into every page."""

import os
from datetime import datetime, timedelta

import pytest

from tests.chain.conftest import chain  # noqa: F401  (the console's reconciliation panel)
from tests.jobs.conftest import (  # noqa: F401  (disputed and settled jobs, for the console)
    assigned,
    bid,
    completed,
    disputed,
    in_progress,
    job,
    market,
    settled,
)
from tests.stack import ARTIFACTS, ROOT, celery_worker, web_server

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "docs" / "screenshots"
SIZES = {"": (1280, 800), "-phone": (390, 844)}
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

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def live_server_url(django_db_setup):
    """The web server + a Celery worker for the whole session, on the test database."""
    with web_server("e2e-web") as url, celery_worker("e2e-worker"):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an event loop running
    in this thread while it is open, so it must be closed before the suite's async
    tests run; and the tests' own ORM calls, plain synchronous code, must be allowed
    beside that loop."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def open_as(browser, live_server_url, transactional_db, request):
    """`page = open_as("Alice", "/wallet/")`: a fresh browser context whose injected
    wallet offers that dev account first. Each page is screenshotted at teardown."""
    contexts = []
    console: list[str] = []

    def open_page(account: str, path: str = "/"):
        context = browser.new_context(
            base_url=live_server_url, viewport={"width": 1200, "height": 900}
        )
        context.add_init_script(script=f"window.__pmFakeWalletAccount = {account!r};")
        context.add_init_script(path=str(ROOT / "tests/e2e/fake-wallet.js"))
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.set_default_timeout(15_000)
        page.goto(path)
        contexts.append((context, page))
        return page

    yield open_page
    for index, (context, page) in enumerate(contexts):
        name = request.node.name + (f"-{index}" if index else "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()
    # The injected test wallet stands in for a browser extension, which in real life
    # runs outside the page and its CSP: its own WASM being refused is not the site's.
    violations = [
        text
        for text in console
        if "Content Security Policy" in text and "@polkadot/wasm-crypto" not in text
    ]
    assert violations == [], "the page broke its Content-Security-Policy"


def sign_in(page) -> None:
    """Click "Sign in with wallet": the fake wallet signs `login` and the page reloads."""
    with page.expect_navigation():
        page.click("[data-pm-connect]")
    page.wait_for_selector("[data-pm-logout]", state="attached")


NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def shoot(page, name: str) -> None:
    """docs/screenshots/<name>.png at 1280x800 and <name>-phone.png at 390x844."""
    for suffix, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        # Two frames: charts follow their box's new width in a ResizeObserver callback.
        page.evaluate(NEXT_FRAMES)
        page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)


def local_input(delta: timedelta) -> str:
    """A `datetime-local` value: the browser runs in this machine's time zone."""
    return (datetime.now() + delta).strftime("%Y-%m-%dT%H:%M")
