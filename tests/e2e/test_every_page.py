"""Every page as a signed-in user meets it, on the demo market (`load_demo`) with a job
that has a bid, a settled batch and a federated job: on a phone (390x844) no page is
wider than the screen, on a laptop (1280x800) the header leaves the page's own content
above the fold, and no page logs an error in the console.

`PM_SCREENSHOTS=1` also retakes docs/screenshots/<page>-{1280,390}[-dark].png, light
and dark, for every page (docs/FRONTEND.md, "Screenshots")."""

import io
import os
from datetime import timedelta
from functools import partial

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace.intents.models import Batch
from marketplace.intents.services import open_epoch
from tests.conftest import DOT
from tests.e2e.conftest import sign_in
from tests.federated.conftest import submit_federated
from tests.intents.support import Trader, close_window
from tests.jobs.market import ok, register, step, submit
from tests.stack import ROOT

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
HEADER_MAX_PX = 80


@pytest.fixture
def demo_market(transactional_db, actions, api, alice, bob, fund):
    """The demo data, plus what only a running market makes: an open job of alice's with
    a bid of bob's (a cpu provider), a settled DOT→USDT batch, a federated job over the
    demo stations."""
    from marketplace.datanft.models import DataNFT
    from marketplace.intents.services import settle_batch

    call_command("load_demo", stdout=io.StringIO())
    fund(bob, 1000 * DOT)
    register(actions, bob, capabilities=("cpu",))
    job = ok(
        submit(
            actions,
            alice,
            model_ref="builtin:forecast",
            data_ref='inline:{"horizon":24}',
            compute_type="cpu",
            budget=str(2 * DOT),
        ),
        201,
    )
    ok(step(actions, bob, job["id"], "bids", price=str(DOT * 3 // 2), sla_seconds=600), 201)
    # The epoch grid must not roll over between reading the epoch and sealing the intent.
    batch = open_epoch()
    Batch.objects.filter(pk=batch.pk).update(closes_at=timezone.now() + timedelta(minutes=10))
    epoch = api.get("/api/intents/epoch").json()
    Trader(actions, epoch).intent(alice, "DOT", "USDT", 10 * DOT, 10 * DOT, 1)
    close_window(epoch["batch_id"])
    settle_batch(epoch["batch_id"])
    stations = list(
        DataNFT.objects.filter(training_allowed=True).order_by("pk").values_list("pk", flat=True)
    )
    federated = ok(
        submit_federated(actions, alice, stations, features=["traffic", "wind"], target="pm25"),
        201,
    )
    sensor = DataNFT.objects.order_by("pk").first()
    return {
        "overview": "/",
        "jobs": "/jobs/",
        "job": f"/jobs/{job['id']}/",
        "models": "/models/",
        "provide": "/provide/",
        "data": "/data/",
        "data-detail": f"/data/{sensor.pk}/",
        "data-mine": "/data/mine/",
        "federated": "/federated/",
        "federated-job": f"/federated/{federated['id']}/",
        "confidential": "/confidential/",
        "trade": "/trade/",
        "batch": f"/trade/batches/{epoch['batch_id']}/",
        "wallet": "/wallet/",
        "not-found": "/no-such-page/",
    }


def console_errors(page) -> list[str]:
    """What the page logs as errors. Not the site's: the injected test wallet's own WASM
    refused by the CSP (a real extension runs outside the page), and the 404 page's own
    status."""
    errors: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if message.type != "error" or "@polkadot/wasm-crypto" in text:
            return
        if "status of 404" in text and page.url.endswith("/no-such-page/"):
            return
        errors.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return errors


def visit(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")


def each_page(browser, live_server_url, pages: dict, look, **context_options) -> tuple:
    """Sign in with Alice's wallet, then load each of `pages` in one browser context:
    `({name: look(name, page)}, what the pages logged as errors)`."""
    context = browser.new_context(base_url=live_server_url, **context_options)
    context.add_init_script(script="window.__pmFakeWalletAccount = 'Alice';")
    context.add_init_script(path=str(ROOT / "tests/e2e/fake-wallet.js"))
    page = context.new_page()
    errors = console_errors(page)
    visit(page, "/")
    sign_in(page)
    found = {}
    for name, path in pages.items():
        visit(page, path)
        found[name] = look(name, page)
    context.close()
    return found, errors


def test_every_page_fits_a_phone_and_logs_no_error(browser, live_server_url, demo_market):
    widths, errors = each_page(
        browser,
        live_server_url,
        demo_market,
        lambda name, page: page.evaluate("document.documentElement.scrollWidth"),
        viewport=PHONE,
        is_mobile=True,
    )
    too_wide = {name: width for name, width in widths.items() if width > PHONE["width"]}
    assert too_wide == {}, "pages wider than a phone"
    assert errors == []


def header(name, page) -> tuple[int, int]:
    """The header's height and how many sections the nav marks as the current one."""
    height = page.evaluate("document.querySelector('body > header').offsetHeight")
    return height, page.locator("nav [aria-current=page]").count()


def test_the_header_leaves_each_page_above_the_fold(browser, live_server_url, demo_market):
    headers, errors = each_page(browser, live_server_url, demo_market, header, viewport=LAPTOP)
    tall = {name: height for name, (height, _) in headers.items() if height > HEADER_MAX_PX}
    assert tall == {}, "headers taller than 80 px"
    assert {name: current for name, (_, current) in headers.items() if current > 1} == {}
    assert errors == []


@pytest.mark.skipif(not os.environ.get("PM_SCREENSHOTS"), reason="PM_SCREENSHOTS=1 retakes them")
def test_screenshots_of_every_page(browser, live_server_url, demo_market):
    for scheme in ("light", "dark"):
        for viewport in (LAPTOP, PHONE):
            suffix = f"-{viewport['width']}" + ("-dark" if scheme == "dark" else "")
            each_page(
                browser,
                live_server_url,
                demo_market,
                partial(screenshot, suffix=suffix),
                viewport=viewport,
                color_scheme=scheme,
            )


def screenshot(name: str, page, *, suffix: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
