"""Trading in the browser: a trader seals an intent in the page (the server never sees
its amounts), the batch settles, and the page shows it executed and the new balances
without reloading; the batch page verifies the settlement; the overview lists it."""

import json

import pytest

from ledger.units import money, rounded_units
from marketplace.intents.models import Intent, IntentStatus
from tests.conftest import DOT, USDT
from tests.e2e.conftest import sign_in
from tests.intents.support import RESERVE_DOT, RESERVE_USDT, close_window

pytestmark = pytest.mark.e2e

FORM = "form[data-action=submit_intent]"
SUBMIT = f"{FORM} button:has-text('Seal and submit')"


def settle(batch_id: int) -> None:
    """Close the batch's window and let the harness's Celery worker settle it, as the
    beat would: the worker pushes the events over the shared channel layer."""
    from marketplace.intents.tasks import settle_due_batches

    close_window(batch_id)
    settle_due_batches.delay()


@pytest.fixture
def dot_usdt_pool(transactional_db):
    from marketplace.intents.services import seed_pool

    return seed_pool("DOT", "USDT", RESERVE_DOT, RESERVE_USDT, fee_bps=30, key="e2e:pool")


def test_a_trader_submits_a_sealed_intent_and_sees_it_execute_live(
    open_as, fund, alice, dot_usdt_pool
):
    fund(alice, 100 * DOT)
    page = open_as("Alice", "/trade/")
    sign_in(page)
    page.wait_for_selector("#pm-pools >> text=1 DOT = 5 USDT")
    page.wait_for_selector("#pm-my-intents >> text=No intents yet")
    page.select_option(f"{FORM} [name=token_in]", "DOT")
    page.select_option(f"{FORM} [name=token_out]", "USDT")
    page.fill(f"{FORM} [name=lock_amount]", "20")
    page.fill(f"{FORM} [name=amount_in]", "10")
    page.fill(f"{FORM} [name=min_output]", "45")
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/api/intents")
    ) as sent:
        page.click(SUBMIT)
    # What left the browser: the pair, the lock and a sealed box; no amount in clear.
    body = json.loads(sent.value.post_data)
    params = json.loads(body["payload"])["params"]
    assert sorted(params) == ["batch_id", "lock_amount", "sealed_intent", "token_in", "token_out"]
    assert params["lock_amount"] == str(20 * DOT)
    assert str(10 * DOT) not in body["payload"] and str(45 * USDT) not in body["payload"]

    page.wait_for_selector("#pm-my-intents [data-intent-status=sealed]")
    page.wait_for_selector("#pm-header-balances >> text=80 DOT")  # 20 DOT locked
    intent = Intent.objects.get(wallet__public_key=alice.public_key)
    assert (intent.amount_in, intent.min_output, intent.amount_out) == (None, None, None)
    assert intent.sealed_intent and intent.lock_amount == 20 * DOT

    page.evaluate("window.__pmNotReloaded = true")
    settle(intent.batch_id)
    row = page.wait_for_selector(
        f"#pm-my-intents [data-intent-id='{intent.pk}'][data-intent-status=executed]"
    )
    intent.refresh_from_db()
    assert intent.status == IntentStatus.EXECUTED and intent.amount_in == 10 * DOT
    # Shown to 4 decimals at most, the exact amount in the title.
    received = f"{rounded_units(intent.amount_out, 6)} USDT"
    assert received in row.inner_text() and "10 DOT" in row.inner_text()
    if received != money(intent.amount_out, "USDT"):
        assert row.query_selector(f"[title='{money(intent.amount_out, 'USDT')}']")
    page.wait_for_selector("#pm-header-balances >> text=90 DOT")  # the unused 10 came back
    page.wait_for_selector(f"#pm-header-balances >> text={received}")
    page.wait_for_selector(f"#pm-history [data-batch-id='{intent.batch_id}']")
    page.wait_for_selector("#pm-history [data-pm-chart][data-pm-chart-ready]")
    assert page.evaluate("window.__pmNotReloaded") is True

    batch_page = open_as("Alice", f"/trade/batches/{intent.batch_id}/")
    batch_page.wait_for_selector("[data-pm-verified=match]")
    assert f"python manage.py verify_batch {intent.batch_id}" in batch_page.inner_text("main")

    overview = open_as("Alice", "/")
    overview.wait_for_selector(f"#pm-feed-batches [data-batch-id='{intent.batch_id}']")
    assert "1 executed, 0 dropped" in overview.inner_text("#pm-feed-batches")


def test_an_amount_above_the_lock_settles_invalid_and_the_lock_comes_back(
    open_as, fund, alice, dot_usdt_pool
):
    """The server cannot see that the sealed amount exceeds the lock: the batch finds
    out when it opens the box, marks the intent invalid and returns the lock."""
    fund(alice, 50 * DOT)
    page = open_as("Alice", "/trade/")
    sign_in(page)
    page.fill(f"{FORM} [name=lock_amount]", "1")
    page.fill(f"{FORM} [name=amount_in]", "2")
    page.fill(f"{FORM} [name=min_output]", "1")
    page.click(SUBMIT)
    page.wait_for_selector("#pm-my-intents [data-intent-status=sealed]")
    intent = Intent.objects.get(wallet__public_key=alice.public_key)
    settle(intent.batch_id)
    row = page.wait_for_selector("#pm-my-intents [data-intent-status=invalid]")
    assert "above_lock" not in row.inner_text() and "the lock came back" in row.inner_text()
    assert "The sealed amount was more than you locked." in row.inner_text()
    page.wait_for_selector("#pm-header-balances >> text=50 DOT")


def test_the_form_quotes_as_the_trader_types_and_the_row_turns_executed_at_the_close(
    open_as, fund, alice, dot_usdt_pool
):
    """Issue 16 item 3: the quote, the available balance and Max, the lock filled in;
    the batch settles the moment it closes and the row turns executed within 2 s."""
    import time
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.intents.models import Batch
    from marketplace.intents.services import open_epoch
    from tests import stack

    fund(alice, 100 * DOT)
    with stack.batch_closer("e2e-batches") as (_, closer_log):
        page = open_as("Alice", "/trade/")
        sign_in(page)
        # The epoch grid must not roll over during the test: this batch closes when
        # the test says so.
        batch = open_epoch()
        Batch.objects.filter(pk=batch.pk).update(closes_at=timezone.now() + timedelta(minutes=10))
        page.wait_for_selector(f"{FORM} [data-pm-available]:has-text('100 DOT')")
        page.click(f"{FORM} [data-pm-max]")
        page.wait_for_selector(f"{FORM}[data-pm-quote=ready]")
        assert page.input_value(f"{FORM} [name=amount_in]") == "100"
        assert page.input_value(f"{FORM} [name=lock_amount]") == "100"

        page.fill(f"{FORM} [name=amount_in]", "10")
        estimate = page.wait_for_selector(
            f"{FORM} [data-pm-quote-estimate]:has-text('49.8003 USDT')"
        )  # 49.800349 read as the pages round amounts; the minimum field keeps it exact
        assert estimate.is_visible()
        assert page.input_value(f"{FORM} [name=lock_amount]") == "10"
        assert page.input_value(f"{FORM} [name=min_output]") == "49.551347"  # 0.5 % below
        quote = page.inner_text(f"{FORM} [data-pm-quote-out]")
        assert "DOT → USDT" in quote and "0.03 DOT (0.3 %)" in quote and "0.09 %" in quote
        for width, height in ((1280, 800), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("document.querySelector('[name=amount_in]').scrollIntoView()")
            page.screenshot(path=str(stack.ARTIFACTS / f"trade-quote-{width}.png"), full_page=False)
            # The form itself fits (the page's other overflow is the layout's, issue 16.5).
            assert page.evaluate("document.querySelector('#pm-intent-form').scrollWidth") <= width
        page.set_viewport_size({"width": 1200, "height": 900})

        page.click(SUBMIT)
        page.wait_for_selector("#pm-my-intents [data-intent-status=sealed]")
        intent = Intent.objects.get(wallet__public_key=alice.public_key)
        assert (intent.batch_id, intent.lock_amount, intent.amount_in) == (batch.pk, 10 * DOT, None)

        stack_ready = time.monotonic() + 60
        while "Settling" not in closer_log.read_text() and time.monotonic() < stack_ready:
            time.sleep(0.1)
        # Far enough ahead that the card's refresh lands before the close on a busy machine.
        closes_at = timezone.now() + timedelta(seconds=8)
        Batch.objects.filter(pk=intent.batch_id).update(closes_at=closes_at)
        # The epoch card learns the new close, then a watcher notes any moment after it
        # at which the card still calls this batch open.
        page.evaluate("htmx.trigger(document.body, 'pm:refresh')")
        page.wait_for_selector(f"#pm-epoch[data-pm-closes-at='{closes_at.isoformat()}']")
        page.evaluate(
            """([id, closesAt]) => setInterval(() => {
                const badge = document.querySelector('#pm-epoch [data-pm-epoch-status]');
                const header = document.querySelector('#pm-epoch header').innerText;
                if (Date.now() > Date.parse(closesAt) + 300 && header.includes(`Batch #${id}`)
                    && badge.dataset.pmEpochStatus === 'open') window.__pmOpenAfterClose = true;
            }, 50)""",
            [intent.batch_id, closes_at.isoformat()],
        )
        page.wait_for_selector(
            f"#pm-my-intents [data-intent-id='{intent.pk}'][data-intent-status=executed]",
            timeout=20_000,
        )
        shown_at = timezone.now()
        intent.refresh_from_db()
        assert intent.status == IntentStatus.EXECUTED
        assert intent.decided_at - closes_at < timedelta(seconds=1)  # settled at the close
        assert shown_at - intent.decided_at < timedelta(seconds=2)  # and shown at once
        # The card moves on to the next batch and never called the closed one open.
        page.wait_for_function(
            "(id) => !document.querySelector('#pm-epoch header')"
            ".innerText.includes(`Batch #${id}`)",
            arg=intent.batch_id,
            timeout=2_000,
        )
        assert page.evaluate("window.__pmOpenAfterClose") is None


def test_the_trade_page_shows_each_pairs_mev_risk_score_with_its_job(
    open_as, actions, api, fund, alice, bob, dot_usdt_pool
):
    """Issue 17: the newest `builtin:mev_risk` score the server re-derives, per pair,
    with a link to its job; looked at on a laptop and a phone."""
    from marketplace.agents import runners
    from marketplace.core.canonical import canonical_json
    from marketplace.intents.selectors import mev_risk_input
    from marketplace.intents.services import settle_batch
    from tests.intents.support import Trader
    from tests.jobs.market import ok, register, step, submit
    from tests.stack import ROOT

    fund(alice, 2_000 * DOT)
    fund(bob, 200 * DOT)
    batch_ids = []
    for sell in (3, 1000, 2):
        epoch = api.get("/api/intents/epoch").json()
        Trader(actions, epoch).intent(alice, "DOT", "USDT", sell * DOT, sell * DOT, 1)
        assert settle_batch(epoch["batch_id"])
        batch_ids.append(epoch["batch_id"])
    options = {"pair": "DOT-USDT", "first_batch": batch_ids[0], "last_batch": batch_ids[-1]}
    register(actions, bob, capabilities=("cpu",))
    job = ok(
        submit(
            actions,
            alice,
            model_ref=runners.MEV_RISK,
            data_ref="inline:" + canonical_json(options),
            compute_type="cpu",
        ),
        201,
    )
    bid = ok(step(actions, bob, job["id"], "bids", price=str(DOT), sla_seconds=600), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    ok(step(actions, bob, job["id"], "start"))
    document = runners.get(runners.MEV_RISK)(mev_risk_input(options))
    ok(
        step(
            actions,
            bob,
            job["id"],
            "result",
            result_ref="inline",
            result_hash=runners.result_hash(document),
            result_content=document,
        )
    )

    page = open_as("Alice", "/trade/")
    sign_in(page)
    row = page.wait_for_selector("#pm-mev-risk [data-pm-mev-risk='DOT-USDT']")
    assert f"{document['score']}/100" in row.inner_text() and "1 of 3" in row.inner_text()
    link = row.query_selector(f"a[href='/jobs/{job['id']}/']")
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("document.querySelector('#pm-mev-risk').scrollIntoView()")
        shot = ROOT / "docs" / "screenshots" / f"trade-mev-risk-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert page.evaluate("document.querySelector('#pm-mev-risk').scrollWidth") <= width
    page.set_viewport_size({"width": 1200, "height": 900})
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/jobs/{job['id']}/")
