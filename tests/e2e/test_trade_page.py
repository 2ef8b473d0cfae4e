"""Trading in the browser: a trader seals an intent in the page (the server never sees
its amounts), the batch settles, and the page shows it executed and the new balances
without reloading; the batch page verifies the settlement; the overview lists it."""

import json

import pytest

from marketplace.core.templatetags.pm import amount
from marketplace.intents.models import Intent, IntentStatus
from tests.conftest import DOT, USDT
from tests.e2e.conftest import sign_in
from tests.intents.support import RESERVE_DOT, RESERVE_USDT, close_window

pytestmark = pytest.mark.e2e

FORM = "form[data-action=submit_intent]"


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
        page.click(f"{FORM} button")
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
    received = amount(intent.amount_out, "USDT")
    assert received in row.inner_text() and "10 DOT" in row.inner_text()
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
    page.click(f"{FORM} button")
    page.wait_for_selector("#pm-my-intents [data-intent-status=sealed]")
    intent = Intent.objects.get(wallet__public_key=alice.public_key)
    settle(intent.batch_id)
    row = page.wait_for_selector("#pm-my-intents [data-intent-status=invalid]")
    assert "above_lock" in row.inner_text() and "the lock came back" in row.inner_text()
    page.wait_for_selector("#pm-header-balances >> text=50 DOT")
