"""The compute market in the browser: a buyer posts a job and sees a provider's bid arrive
without reloading, assigns it, and accepts the result while both headers' balances
follow; a provider registers, hears of a new job live and bids on it; a wrong value
shows its error next to its field."""

import hashlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.core.canonical import canonical_json
from tests.conftest import DOT
from tests.e2e.conftest import local_input, shoot, sign_in
from tests.jobs.market import ok, register, step, submit
from tests.stack import ARTIFACTS

pytestmark = pytest.mark.e2e

FORECAST = {"model": "builtin:forecast", "horizon": 3, "forecast": [212.5, 198.0, 176.25]}


def post_job_from_the_page(page, **values) -> None:
    form = "form[data-action=submit_job]"
    model = values.get("model_ref", "builtin:forecast")
    if page.input_value(f"{form} [name=model_ref]") != model:
        with page.expect_response("**/jobs/inputs*"):  # the inputs part follows the model
            page.select_option(f"{form} [name=model_ref]", model)
    page.select_option(f"{form} [name=compute_type]", "gpu")
    page.fill(
        f"{form} [name=data_ref]",
        'inline:{"start":1740960000,"step_seconds":3600,"values":[87,79,91,120],"horizon":3}',
    )
    page.select_option(f"{form} [name=asset]", "DOT")
    page.fill(f"{form} [name=budget]", values.get("budget", "10"))
    page.fill(f"{form} [name=deadline]", values.get("deadline", local_input(timedelta(hours=2))))
    page.click(f"{form} button")


def test_a_buyer_sees_a_bid_arrive_live_assigns_it_and_accepts_the_result(
    open_as, actions, fund, alice, bob
):
    fund(alice, 50 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob)  # 200 DOT staked: 800 DOT left
    provider = open_as("Bob", "/provide/")
    sign_in(provider)
    provider.wait_for_selector("#pm-header-balances >> text=800 DOT")

    page = open_as("Alice", "/jobs/")
    sign_in(page)
    page.wait_for_selector("#pm-my-jobs >> text=You have not posted a job yet")
    post_job_from_the_page(page)
    page.wait_for_url("**/jobs/*/")
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.wait_for_selector(f"#pm-bids-{job_id} >> text=No bids yet")
    page.wait_for_selector("#pm-header-balances >> text=40 DOT")  # 10 DOT in escrow
    page.evaluate("window.__pmSamePage = true")

    bid = ok(step(actions, bob, job_id, "bids", price=str(8 * DOT), sla_seconds=900), 201)
    row = page.wait_for_selector(f"#pm-bids-{job_id} tr[data-bid='{bid['id']}']")
    assert "8 DOT" in row.inner_text() and "900 s" in row.inner_text()
    assert page.evaluate("window.__pmSamePage") is True  # it arrived without a reload

    row.query_selector("form[data-action=assign_provider] button").click()
    page.wait_for_selector(f"#pm-job-state-{job_id} [data-status=assigned]")
    page.wait_for_selector("#pm-header-balances >> text=42 DOT")  # 2 DOT back at once
    assert "8 DOT" in page.inner_text(f"#pm-job-state-{job_id} .pm-stat")

    ok(step(actions, bob, job_id, "start"))
    page.wait_for_selector(f"#pm-job-state-{job_id} [data-status=in_progress]")
    canonical = canonical_json(FORECAST).encode()
    ok(
        step(
            actions,
            bob,
            job_id,
            "result",
            result_ref="inline:forecast",
            result_hash=hashlib.sha256(canonical).hexdigest(),
            result_content=FORECAST,
        )
    )
    page.wait_for_selector(f"#pm-job-state-{job_id} [data-status=completed]")
    assert "198" in page.inner_text("#pm-result [data-pm-output=forecast] .pm-output-table")
    page.screenshot(path=str(ARTIFACTS / "job-detail.png"), full_page=True)

    page.click("form[data-action=accept_result] button")
    page.wait_for_selector(f"#pm-job-state-{job_id} [data-status=settled]")
    assert "released" in page.inner_text(f"#pm-job-state-{job_id} [data-escrow]")
    # The provider's page follows: 8 DOT less the 2.5% fee paid, reputation up, charted.
    provider.wait_for_selector("#pm-header-balances >> text=807.8 DOT")
    provider.wait_for_selector("#pm-provider-summary [data-earned] >> text=7.8 DOT")
    provider.wait_for_selector("[data-reputation='510']")
    provider.wait_for_selector("[data-pm-chart='pm-earnings-chart'][data-pm-chart-ready] canvas")
    provider.screenshot(path=str(ARTIFACTS / "provider.png"), full_page=True)

    ok(submit(actions, bob, compute_type="cpu", budget=str(3 * DOT)), 201)  # someone else's
    page.goto("/jobs/")
    page.wait_for_selector(f"#pm-job-row-{job_id} [data-status=settled]")
    page.screenshot(path=str(ARTIFACTS / "jobs.png"), full_page=True)


def test_a_bid_placed_while_the_job_page_loads_shows_without_a_reload(
    open_as, actions, fund, alice, bob
):
    """The bid lands after the page was rendered and before its socket connected: the
    socket's first message brings it."""
    fund(alice, 50 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob)
    job_id = ok(submit(actions, alice), 201)["id"]
    page = open_as("Alice", "/jobs/")
    sign_in(page)
    held = []  # the page's socket, held back until the bid is in
    page.route_web_socket(re.compile(r"/ws/live/"), lambda socket: held.append(socket))
    page.goto(f"/jobs/{job_id}/")
    page.wait_for_selector(f"#pm-bids-{job_id} >> text=No bids yet")
    page.evaluate("window.__pmSamePage = true")
    while not held:
        page.wait_for_timeout(50)
    assert "since=" in held[0].url

    bid = ok(step(actions, bob, job_id, "bids", price=str(8 * DOT), sla_seconds=900), 201)
    held[0].connect_to_server()
    page.wait_for_selector(f"#pm-bids-{job_id} tr[data-bid='{bid['id']}']")
    assert page.evaluate("window.__pmSamePage") is True


def test_a_provider_registers_hears_of_a_new_job_live_and_bids(open_as, actions, fund, alice, bob):
    fund(alice, 50 * DOT)
    fund(bob, 500 * DOT)
    page = open_as("Bob", "/provide/")
    sign_in(page)
    form = "form[data-action=register_provider]"
    page.fill(f"{form} [name=name]", "Bob's GPU rack")
    page.fill(f"{form} [name=regions]", "eu-west, eu-central")
    page.check(f"{form} [name=capabilities][value=gpu]")
    page.fill(f"{form} [name='pricing.gpu']", "1.5")
    page.fill(f"{form} [name=stake]", "150")
    with page.expect_navigation():
        page.click(f"{form} button")
    page.wait_for_selector("#pm-provider-summary >> text=150 DOT")
    page.wait_for_selector("#pm-provider-open-jobs >> text=No open job needs GPU right now")
    page.set_viewport_size({"width": 390, "height": 844})  # a provider on a phone
    assert not page.is_visible("#pm-provider-open-jobs table")  # no empty table

    job = ok(submit(actions, alice), 201)
    # Locators, not element handles: the socket's (re)connect swaps the fragment in again.
    row = page.locator(f"#pm-open-jobs-body tr#pm-open-job-{job['id']}")
    expect(row).to_contain_text("10 DOT")
    expect(page.locator("#pm-provider-open-jobs .pm-empty-list")).to_be_hidden()
    button = row.locator("button").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 390 - 8  # stacked, in reach
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "open-jobs-on-a-phone.png"), full_page=True)

    row.locator("[name=price]").fill("9.5")
    row.locator("button").click()
    page.wait_for_selector(f"#pm-open-job-{job['id']} [data-my-bid] >> text=9.5 DOT")


def test_a_deadline_too_soon_shows_its_error_next_to_the_field(open_as, fund, alice):
    fund(alice, 50 * DOT)
    page = open_as("Alice", "/jobs/")
    sign_in(page)
    post_job_from_the_page(page, deadline=local_input(timedelta(minutes=2)))
    error = page.wait_for_selector(
        "form[data-action=submit_job] [data-error-for=deadline]:not(:empty)"
    )
    assert "too soon" in error.inner_text()
    assert "at least 300 s away" in page.inner_text(
        "form[data-action=submit_job] [data-form-error]"
    )
    assert page.url.endswith("/jobs/")


def test_a_refused_value_reads_as_a_sentence_and_its_error_clears_on_the_next_try(
    open_as, fund, alice
):
    """DRF's own wording ("Ensure this value is greater than or equal to 1.") never
    reaches the person: the page shows what to do instead; a corrected try clears it."""
    fund(alice, 50 * DOT)
    page = open_as("Alice", "/jobs/")
    sign_in(page)
    form = "form[data-action=submit_job]"
    page.fill(f"{form} [name=data_nft_id]", "0")
    post_job_from_the_page(page, deadline=local_input(timedelta(minutes=2)))
    error = page.wait_for_selector(f"{form} [data-error-for=data_nft_id]:not(:empty)")
    assert error.inner_text() == "Enter 1 or more."
    shown = page.inner_text(form)
    assert "Ensure this value" not in shown and "Please correct the marked fields." in shown

    page.fill(f"{form} [name=data_nft_id]", "")
    page.click(f"{form} button")
    page.wait_for_selector(f"{form} [data-error-for=deadline]:not(:empty)")
    assert page.inner_text(f"{form} [data-error-for=data_nft_id]") == ""
    assert page.get_attribute(f"{form} [name=data_nft_id]", "aria-invalid") is None


def test_a_bid_on_a_phone_shows_its_rounded_price_its_bidder_and_an_assign_button_in_reach(
    open_as, actions, fund, alice, bob
):
    fund(alice, 50 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob, capabilities=("cpu",))
    job = ok(submit(actions, alice, compute_type="cpu"), 201)
    ok(step(actions, bob, job["id"], "bids", price="16566666666", sla_seconds=600), 201)
    page = open_as("Alice", f"/jobs/{job['id']}/")
    sign_in(page)
    page.set_viewport_size({"width": 390, "height": 844})
    # Locators, not element handles: the bids fragment is swapped in again once the
    # page's socket connects (the refresh after connect), which detaches a handle.
    row = page.locator(f"#pm-bids-{job['id']} tr[data-bid]")
    price = row.locator("[title='1.6566666666 DOT']")
    expect(price).to_have_text("1.6567 DOT")  # the exact price is its title
    expect(row.locator(".pm-address-chip .pm-identicon")).to_be_visible()  # who bid
    button = row.locator("form[data-action=assign_provider] button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 - 8
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "bids-on-a-phone.png"), full_page=True)


def test_the_bid_window_counts_down_in_seconds_and_a_settled_job_names_no_deadline(
    open_as, actions, completed, alice
):
    settled = ok(step(actions, alice, completed["id"], "accept"))
    open_job = ok(submit(actions, alice), 201)
    page = open_as("Alice", f"/jobs/{open_job['id']}/")
    clock = f"#pm-job-state-{open_job['id']} [data-pm-clock]"
    first = re.search(r"Bids close in (\d+) seconds", page.inner_text(clock))
    assert first, page.inner_text(clock)
    page.wait_for_function(
        """([selector, before]) => {
            const text = document.querySelector(selector).textContent;
            const left = /Bids close in (\\d+) seconds/.exec(text);
            return left && Number(left[1]) <= before - 2;
        }""",
        arg=[clock, int(first[1])],
    )
    shoot(page, "job-bid-window")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"/jobs/{settled['id']}/")
    state = page.inner_text(f"#pm-job-state-{settled['id']}")
    assert "Settled" in state and "deadline" not in state.lower()
    assert page.query_selector("dl.pm-facts time") is None  # absolute times only


def test_when_nobody_bids_the_owner_reads_the_providers_reasons_and_refunds_in_one_click(
    open_as, actions, fund, alice, bob, carol
):
    from django.utils import timezone

    from marketplace.jobs.models import Job

    fund(alice, 50 * DOT)
    for provider in (bob, carol):
        fund(provider, 1000 * DOT)
        register(actions, provider)
    job_id = ok(submit(actions, alice), 201)["id"]
    reasons = [
        (bob, "Our GPUs are booked until Friday."),
        (carol, "We do not run ipfs://model: upload it as an ONNX artifact."),
    ]
    for provider, reason in reasons:
        ok(step(actions, provider, job_id, "decline", reason=reason))
    Job.objects.filter(pk=job_id).update(bid_window_ends_at=timezone.now() + timedelta(seconds=15))

    page = open_as("Alice", "/jobs/")
    sign_in(page)
    page.goto(f"/jobs/{job_id}/")
    page.wait_for_selector(f"#pm-bids-{job_id} >> text=No bids yet")
    page.evaluate("window.__pmSamePage = true")

    # The window closes while the page is open: it turns without a reload.
    panel = page.wait_for_selector("#pm-nobody-bid", timeout=30_000)
    assert page.evaluate("window.__pmSamePage") is True
    for _, reason in reasons:
        assert reason in panel.inner_text()
    assert "Declined" in page.inner_text(f"#pm-job-state-{job_id} .pm-timeline")
    page.wait_for_selector("#pm-header-balances >> text=40 DOT")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shoot(page, "job-nobody-bid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("#pm-nobody-bid [data-refund]")
    page.wait_for_selector(f"#pm-job-state-{job_id} [data-status=cancelled]")
    page.wait_for_selector("#pm-header-balances >> text=50 DOT")
    assert "refunded" in page.inner_text(f"#pm-job-state-{job_id} [data-escrow]")
    shoot(page, "job-refunded")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
