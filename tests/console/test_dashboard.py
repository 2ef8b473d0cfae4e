"""The console's index is a dashboard: what waits for a person, each a count linking to
the filtered list where it is done, and the platform's health checked live."""

import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ledger.models import Account
from marketplace.chain.models import Holding
from marketplace.intents import services as intents_services
from marketplace.intents.models import Batch, BatchPair
from marketplace.jobs.models import Job
from tests.conftest import DOT
from tests.jobs.market import submit

pytestmark = pytest.mark.django_db


def queue(page: str, label: str) -> tuple[int, str]:
    """The count and link of the queue `label` on the dashboard."""
    found = re.search(
        r'<a href="([^"]+)"><span class="pm-count">(\d+)</span>\s*'
        rf'<span class="pm-queue-label">{label}</span>',
        page,
    )
    assert found, label
    return int(found[2]), found[1].replace("&amp;", "&")


def test_each_queue_counts_its_work_and_links_to_it(console, disputed, actions, alice, fund):
    fund(alice, 100 * DOT)
    soon = submit(actions, alice).json()
    Job.objects.filter(pk=soon["id"]).update(deadline=timezone.now() + timedelta(minutes=30))
    client = console("viewer")
    page = client.get("/admin/").content.decode()

    count, url = queue(page, "Open disputes")
    assert (count, url) == (1, "/admin/jobs/job/?queue=disputes")
    assert f"job #{disputed['id']}" in page and ">in 3 days</time>" in page  # the 3-day SLA
    listed = client.get(url).content.decode()
    assert f"/admin/jobs/job/{disputed['id']}/change/" in listed
    assert f"/admin/jobs/job/{soon['id']}/change/" not in listed

    count, url = queue(page, "Jobs expiring within the hour")
    assert count == 1
    listed = client.get(url).content.decode()
    assert f"/admin/jobs/job/{soon['id']}/change/" in listed
    assert f"/admin/jobs/job/{disputed['id']}/change/" not in listed
    assert queue(page, "TEE workers pending approval")[0] == 0
    assert queue(page, "Withdrawals pending")[0] == 0
    assert queue(page, "Withdrawals sent, awaiting the chain")[1] == (
        "/admin/wallets/withdrawal/?status__exact=submitted"
    )


def test_disputes_are_listed_oldest_first(console, disputed, actions, alice, bob):
    from marketplace.jobs.models import JobEvent

    JobEvent.objects.filter(job_id=disputed["id"], status="disputed").update(
        at=timezone.now() - timedelta(days=4)
    )
    page = console("arbiter").get("/admin/").content.decode()
    assert "overdue" in page  # past the 72-hour aim


def test_batches_that_do_not_verify_wait_for_staff(console):
    batch = intents_services.open_epoch()
    assert intents_services.settle_batch(batch.pk)
    assert intents_services.verify_settled_batches() >= 1
    assert Batch.objects.get(pk=batch.pk).verification == "passed"
    client = console("operator")
    failed = "Batches whose verification failed"
    assert queue(client.get("/admin/").content.decode(), failed)[0] == 0

    # A recorded result that its public data does not reproduce.
    Batch.objects.filter(pk=batch.pk).update(verification="")
    BatchPair.objects.create(
        batch_id=batch.pk,
        token_a="DOT",
        token_b="USDT",
        fee_bps=30,
        clearing_price="1",
        executed=1,
        dropped=0,
        reserve_a_before=1,
        reserve_b_before=1,
        reserve_a_after=1,
        reserve_b_after=1,
    )
    intents_services.verify_settled_batches()
    assert Batch.objects.get(pk=batch.pk).verification == "failed"
    count, url = queue(client.get("/admin/").content.decode(), failed)
    assert count == 1
    assert f"/admin/intents/batch/{batch.pk}/change/" in client.get(url).content.decode()


def test_the_health_panel_shows_the_ledger_invariants_live(console, settled):
    client = console("viewer")
    page = client.get("/admin/").content.decode()
    assert 'data-pm-ledger="ok"' in page
    fees = re.search(r"<td>DOT</td><td>([^<]+)</td><td>([^<]+)</td>", page)
    assert fees and fees[1] == fees[2] != "0 DOT"  # the settled job's fee, earned today

    treasury = Account.objects.get(code="fees", asset="DOT")
    Account.objects.filter(pk=treasury.pk).update(balance=treasury.balance + 1)
    try:
        page = client.get("/admin/").content.decode()
        assert 'data-pm-ledger="failing"' in page
        assert "balances sum to 1, not 0" in page
    finally:
        Account.objects.filter(pk=treasury.pk).update(balance=treasury.balance)


def test_volumes_per_domain_are_drawn_inline(console, settled):
    page = console("viewer").get("/admin/").content.decode()
    compute = page.split("<h3>Compute jobs</h3>")[1].split("</div>")[0]
    assert "<svg" in compute and compute.count("<rect") == 7
    assert "in 7 days" in compute
    assert "cdn" not in page.lower()


def test_a_staff_account_without_a_role_gets_no_dashboard(console, disputed):
    page = console(None).get("/admin/").content.decode()
    assert "pm-count" not in page


def test_the_reconciliation_panel_shows_the_hot_wallet_against_the_ledger(
    console, chain, alice, fund, settings
):
    client = console("viewer")
    assert 'data-pm-chain="unchecked"' in client.get("/admin/").content.decode()

    fund(alice, 10 * DOT)  # the hot wallet's float covers it
    call_command("chain_reconcile")
    assert 'data-pm-chain="ok"' in client.get("/admin/").content.decode()

    fund(alice, 2_000 * DOT)  # more than the hot wallet holds
    with pytest.raises(CommandError):
        call_command("chain_reconcile")
    page = client.get("/admin/").content.decode()
    assert 'data-pm-chain="short"' in page and "2,010 DOT" in page
    link = re.search(r'<a href="([^"]+)">1 asset short</a>', page)
    assert link and link[1] == "/admin/chain/holding/?short__exact=1"
    listed = client.get(link[1]).content.decode()
    assert "2,010 DOT" in listed and ">USDT<" not in listed

    Holding.objects.update(checked_at=timezone.now() - timedelta(minutes=10))
    assert 'data-pm-chain="stale"' in client.get("/admin/").content.decode()

    settings.PM_CHAIN_URL = ""
    assert "On-chain reconciliation" not in client.get("/admin/").content.decode()
