"""The provider page: register, stake and unbond, the open jobs of my capabilities with a
bid form each, my assignments, reputation, counters and earnings, and its live updates
over /ws/live/."""

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import DOT
from tests.datanft.test_pages import chart_data, sign_in
from tests.jobs import conftest as job_fixtures
from tests.jobs.market import ok, register, step, submit
from tests.jobs.test_pages import live_socket, next_with, page

pytestmark = pytest.mark.django_db

# The compute market of tests/jobs: alice's 10 DOT gpu job, bob's 8 DOT bid, and so on.
market, bid, job = job_fixtures.market, job_fixtures.bid, job_fixtures.job
assigned, in_progress, completed, settled = (
    job_fixtures.assigned,
    job_fixtures.in_progress,
    job_fixtures.completed,
    job_fixtures.settled,
)


def test_a_visitor_is_told_what_providing_takes(client):
    html = page(client, "/provide/")
    assert "Sign in with your wallet to register as a provider" in html
    assert "at least\n    100 DOT" in html
    assert 'data-action="register_provider"' not in html


def test_a_wallet_that_is_not_a_provider_gets_the_register_form(client, actions, bob):
    sign_in(client, actions, bob)
    html = page(client, "/provide/")
    assert "You are not a provider yet" in html
    assert 'data-action="register_provider"' in html and 'data-then="reload"' in html
    for cap in ("cpu", "gpu", "tee"):
        assert f'name="capabilities" value="{cap}" data-type="list"' in html
        assert f'name="pricing.{cap}" data-type="amount" data-decimals="10"' in html
    assert 'data-error-for="pricing"' in html and 'name="regions" data-type="list"' in html


def test_a_provider_sees_its_stake_reputation_and_the_jobs_it_can_bid_on(
    client, actions, market, alice, bob, carol, fund
):
    gpu = ok(submit(actions, alice), 201)
    cpu = ok(submit(actions, alice, compute_type="cpu"), 201)
    fund(carol, 1000 * DOT)
    register(actions, carol)
    carols = ok(submit(actions, carol), 201)
    sign_in(client, actions, carol)
    html = page(client, "/provide/")
    assert 'data-reputation="500"' in html and "200 DOT" in html
    assert f'id="pm-open-job-{gpu["id"]}"' in html and f'id="pm-open-job-{cpu["id"]}"' not in html
    assert f'id="pm-open-job-{carols["id"]}"' not in html  # not on my own job
    assert f'action="/api/jobs/{gpu["id"]}/bids"' in html
    assert 'data-pm-chart-empty="No earnings yet' in html
    assert chart_data(html, "pm-earnings-chart") == {
        "x": [],
        "series": [],
        "y_label": "earned per day",
    }
    assert "No assignments yet" in html
    assert "Back in your wallet 1\xa0week after you sign" in html


def test_a_placed_bid_replaces_the_form_with_the_bid(client, actions, bid, job, bob):
    sign_in(client, actions, bob)
    html = page(client, "/provide/open-jobs")
    assert html.lstrip().startswith('<section id="pm-provider-open-jobs"')
    row = html[html.index(f'id="pm-open-job-{job["id"]}"') :]
    assert "<span data-my-bid>8 DOT</span>" in row and 'data-action="submit_bid"' not in row


def test_my_assignments_offer_the_next_step(client, actions, assigned, bob):
    sign_in(client, actions, bob)
    html = page(client, "/provide/assignments")
    assert html.lstrip().startswith('<section id="pm-assignments"')
    assert f'action="/api/jobs/{assigned["id"]}/start"' in html
    ok(step(actions, bob, assigned["id"], "start"))
    html = page(client, "/provide/assignments")
    assert 'data-action="submit_result"' in html and "provider_agent" in html


def test_a_settled_job_counts_and_its_payout_is_charted(client, actions, settled, bob):
    sign_in(client, actions, bob)
    html = page(client, "/provide/summary")
    assert html.lstrip().startswith('<section id="pm-provider-summary"')
    assert 'data-reputation="510"' in html
    # 8 DOT less the 2.5% fee
    assert '<span class="pm-stat" data-earned>7.8 DOT</span>' in html
    chart = chart_data(html, "pm-earnings-chart")
    assert len(chart["x"]) == 30 and chart["series"][0]["values"][-1] == 7.8


def test_unbonding_shows_when_the_stake_comes_back(client, actions, market, bob):
    ok(actions.post("/api/providers/unbond", bob, "unbond", {"amount": str(50 * DOT)}))
    sign_in(client, actions, bob)
    html = page(client, "/provide/summary")
    assert "150 DOT" in html and "Unbonding: 50 DOT back <time" in html


def test_fragments_of_a_wallet_that_is_no_provider_are_empty_sections(client, actions, alice):
    sign_in(client, actions, alice)
    assert "No assignments yet" in page(client, "/provide/assignments")


# ---- live -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_new_job_reaches_the_providers_page_and_its_assignment_follows(
    client, actions, alice, bob, fund
):
    def arrange():
        fund(alice, 100 * DOT)
        fund(bob, 1000 * DOT)
        register(actions, bob)
        sign_in(client, actions, bob)

    await sync_to_async(arrange)()
    communicator = await live_socket(client)

    posted = await sync_to_async(lambda: ok(submit(actions, alice), 201))()
    job_id = posted["id"]
    html = await next_with(communicator, "pm-open-jobs-body")
    assert html.startswith('<tbody hx-swap-oob="afterbegin:#pm-open-jobs-body">')
    assert f'<tr id="pm-open-job-{job_id}">' in html and 'data-action="submit_bid"' in html

    placed = await sync_to_async(
        lambda: ok(step(actions, bob, job_id, "bids", price=str(8 * DOT), sla_seconds=60), 201)
    )()
    html = await next_with(communicator, f'<tr id="pm-open-job-{job_id}" hx-swap-oob="true"')
    assert "<span data-my-bid>8 DOT</span>" in html

    await sync_to_async(lambda: ok(step(actions, alice, job_id, "assign", bid_id=placed["id"])))()
    html = await next_with(communicator, 'id="pm-assignments"')
    assert f'<tr id="pm-open-job-{job_id}" hx-swap-oob="delete">' in html
    assert f'action="/api/jobs/{job_id}/start"' in html
    await communicator.disconnect()
