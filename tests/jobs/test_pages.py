"""The job pages: the jobs page (post a job, my jobs, open jobs), the job page (status,
stages, escrow, bids for the owner only, the next actions, the result), and their live
updates over /ws/live/."""

import hashlib

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from marketplace.core.canonical import canonical_json
from polkamesh_web.asgi import application
from tests.conftest import DOT
from tests.datanft.test_pages import sign_in
from tests.jobs.market import ok, register, step, submit

pytestmark = pytest.mark.django_db


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# ---- the jobs page --------------------------------------------------------------------


def test_a_visitor_sees_the_open_jobs_and_is_asked_to_sign_in_to_post(client):
    html = page(client, "/jobs/")
    assert "Sign in with your wallet to post a job" in html
    assert 'data-action="submit_job"' not in html
    assert "No job is waiting for a provider right now" in html
    assert 'href="/jobs/" aria-current="page">Jobs</a>' in html  # the nav marks its section
    assert 'href="/provide/">Provide</a>' in html


def test_a_wallet_without_jobs_gets_the_open_form_with_the_builtin_models(client, actions, alice):
    sign_in(client, actions, alice)
    html = page(client, "/jobs/")
    assert '<details id="post-job" open>' in html and 'data-action="submit_job"' in html
    assert 'data-redirect="/jobs/{id}/"' in html
    for model in ("builtin:forecast", "builtin:anomaly", "builtin:summary"):
        assert f"<option>{model}</option>" in html
    assert 'data-error-for="budget"' in html and 'data-type="datetime"' in html
    assert "At least 0.1 DOT or 0.1 USDT" in html
    assert "You have not posted a job yet" in html


def test_my_jobs_lists_my_jobs_with_their_status_and_the_open_jobs_everyones(
    client, actions, bid, job, alice, carol, fund
):
    fund(carol, 10 * DOT)
    carols = ok(submit(actions, carol, budget=str(2 * DOT), compute_type="cpu"), 201)
    sign_in(client, actions, alice)
    html = page(client, "/jobs/")
    mine = html[html.index('id="pm-my-jobs"') : html.index('id="pm-open-jobs"')]
    assert f'id="pm-job-row-{job["id"]}"' in mine
    assert 'data-status="registered">Registered</span>' in mine
    assert (
        "10 DOT" in mine and "<td>1</td>" in mine
    )  # one bid and f"/jobs/{carols['id']}/" not in mine
    open_jobs = html[html.index('id="pm-open-jobs"') :]
    assert f'href="/jobs/{carols["id"]}/"' in open_jobs and "2 DOT" in open_jobs


def test_the_my_jobs_fragment_is_the_section_alone(client, actions, job, alice):
    sign_in(client, actions, alice)
    html = page(client, "/jobs/mine")
    assert html.lstrip().startswith('<section id="pm-my-jobs"')
    assert f'id="pm-job-row-{job["id"]}"' in html


# ---- the job page ---------------------------------------------------------------------


def test_a_visitor_sees_the_job_its_escrow_and_timeline_but_no_bids(client, bid, job):
    html = page(client, f"/jobs/{job['id']}/")
    assert "ipfs://model" in html and 'data-escrow="held"' in html
    assert '<span class="pm-stat">10 DOT</span>' in html
    assert '<progress value="1" max="5"' in html and 'data-state="current">Registered' in html
    assert "Bids are seen by the job's owner only" in html
    assert "8 DOT" not in html and 'data-action="assign_provider"' not in html
    assert 'data-action="cancel_job"' not in html


def test_an_unknown_job_is_404(client):
    assert client.get("/jobs/999/").status_code == 404


def test_the_owner_sees_each_bid_with_an_assign_button(client, actions, bid, job, alice):
    sign_in(client, actions, alice)
    html = page(client, f"/jobs/{job['id']}/")
    assert f'data-bid="{bid["id"]}"' in html and "8 DOT" in html and "600 s" in html
    assert f'name="bid_id" value="{bid["id"]}"' in html
    assert f'action="/api/jobs/{job["id"]}/cancel"' in html and "refund 10 DOT" in html


def test_the_owner_of_a_job_without_bids_is_told_they_arrive_live(client, actions, job, alice):
    sign_in(client, actions, alice)
    html = page(client, f"/jobs/{job['id']}/")
    assert "No bids yet" in html and "no reload needed" in html


def test_an_outsider_sees_no_bids_and_a_bidder_only_its_own(
    client, actions, bid, job, mallory, carol, fund
):
    sign_in(client, actions, mallory)
    assert "8 DOT" not in page(client, f"/jobs/{job['id']}/")
    fund(carol, 1000 * DOT)
    register(actions, carol)
    carols = ok(step(actions, carol, job["id"], "bids", price=str(9 * DOT), sla_seconds=60), 201)
    sign_in(client, actions, carol)
    html = page(client, f"/jobs/{job['id']}/")
    assert f'data-bid="{carols["id"]}"' in html and f'data-bid="{bid["id"]}"' not in html
    assert 'data-action="assign_provider"' not in html


def test_after_assignment_the_escrow_holds_the_price_and_the_provider_can_start(
    client, actions, assigned, bob
):
    sign_in(client, actions, bob)
    html = page(client, f"/jobs/{assigned['id']}/")
    assert '<span class="pm-stat">8 DOT</span>' in html and "at the assigned price" in html
    assert 'data-state="done">Registered' in html and 'data-state="current">Assigned' in html
    assert f'action="/api/jobs/{assigned["id"]}/start"' in html
    assert 'data-action="cancel_job"' not in html  # that is the owner's


def test_the_owner_reviews_a_completed_job_and_sees_its_result(
    client, actions, in_progress, alice, bob, mallory
):
    content = {"forecast": [1, 2, 3], "model": "builtin:forecast"}
    canonical = canonical_json(content).encode()
    ok(
        step(
            actions,
            bob,
            in_progress["id"],
            "result",
            result_ref="inline:result",
            result_hash=hashlib.sha256(canonical).hexdigest(),
            result_content=content,
        )
    )
    sign_in(client, actions, alice)
    html = page(client, f"/jobs/{in_progress['id']}/")
    assert 'data-action="accept_result"' in html and 'data-action="dispute_job"' in html
    assert "Review window ends" in html
    assert f'href="/api/jobs/{in_progress["id"]}/result"' in html
    assert "&quot;forecast&quot;: [" in html and "builtin:forecast" in html
    sign_in(client, actions, mallory)
    html = page(client, f"/jobs/{in_progress['id']}/")
    assert "&quot;forecast&quot;" not in html and 'data-action="accept_result"' not in html


def test_a_disputed_job_shows_the_reason_and_the_dispute_stage(client, actions, disputed, alice):
    sign_in(client, actions, alice)
    html = page(client, f"/jobs/{disputed['id']}/")
    assert "“wrong output”" in html and "staff will resolve it" in html
    assert 'data-state="current">Disputed' in html and 'max="6"' in html


def test_a_cancelled_job_ends_its_stages_there_and_shows_the_refund(client, cancelled):
    html = page(client, f"/jobs/{cancelled['id']}/")
    assert 'data-escrow="refunded"' in html and '<span class="pm-stat">0 DOT</span>' in html
    assert 'data-state="done">Cancelled' in html and 'max="2"' in html


def close_the_bid_window(job_id: int) -> None:
    from django.utils import timezone

    from marketplace.jobs.models import Job

    Job.objects.filter(pk=job_id).update(bid_window_ends_at=timezone.now())


def test_while_the_bid_window_is_open_the_owners_page_asks_for_itself_when_it_closes(
    client, actions, job, alice
):
    sign_in(client, actions, alice)
    html = page(client, f"/jobs/{job['id']}/")
    assert 'hx-trigger="load delay:' in html and "Nobody bid yet" not in html


def test_after_the_window_with_no_bids_the_owner_reads_the_declines_and_can_refund(
    client, actions, job, alice, bob, carol, fund
):
    fund(carol, 1000 * DOT)
    register(actions, carol)
    ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=60), 201)
    ok(step(actions, bob, job["id"], "decline", reason="our GPUs are booked until Friday"))
    ok(step(actions, carol, job["id"], "decline", reason="no runner for ipfs://model"))
    close_the_bid_window(job["id"])
    sign_in(client, actions, alice)

    html = page(client, f"/jobs/{job['id']}/")

    panel = html[
        html.index('id="pm-nobody-bid"') : html.index(
            "</article>", html.index('id="pm-nobody-bid"')
        )
    ]
    assert "Nobody bid yet" in panel
    assert "our GPUs are booked until Friday" in panel and "no runner for ipfs://model" in panel
    assert 'data-action="cancel_job"' in panel and "Refund 10 DOT now" in panel
    assert "No bids came in before the window closed" not in html  # bob's withdrawn bid shows
    assert 'data-status="withdrawn">Withdrawn' in html
    assert 'hx-trigger="load delay:' not in html


def test_the_timeline_shows_each_decline_with_its_reason_to_anyone(client, actions, assigned, bob):
    ok(step(actions, bob, assigned["id"], "decline", reason="the input stream went silent"))

    html = page(client, f"/jobs/{assigned['id']}/")

    assert 'data-status="declined">Declined</span>' in html
    assert "the input stream went silent" in html and "back to bidding" in html
    assert "Nobody bid yet" not in html  # a visitor is not offered the owner's refund


def test_the_body_fragment_is_the_jobs_state_and_bids(client, job):
    html = page(client, f"/jobs/{job['id']}/body")
    assert html.lstrip().startswith(f'<div id="pm-job-{job["id"]}"')
    assert f'id="pm-job-state-{job["id"]}"' in html and f'id="pm-bids-{job["id"]}"' in html


# ---- live -----------------------------------------------------------------------------


async def live_socket(client) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", cookie.encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_with(communicator, marker: str) -> str:
    """The next pushed HTML containing `marker`, skipping others (balances and the like)."""
    while True:
        html = await communicator.receive_from(timeout=5)
        if marker in html:
            return html


@pytest.mark.django_db(transaction=True)
async def test_a_bid_reaches_the_owners_page_and_assignment_updates_its_status(
    client, actions, alice, bob, fund
):
    def arrange():
        fund(alice, 100 * DOT)
        fund(bob, 1000 * DOT)
        register(actions, bob)
        job = ok(submit(actions, alice), 201)
        sign_in(client, actions, alice)
        return job["id"]

    job_id = await sync_to_async(arrange)()
    communicator = await live_socket(client)

    bid = await sync_to_async(
        lambda: ok(step(actions, bob, job_id, "bids", price=str(8 * DOT), sla_seconds=600), 201)
    )()
    html = await next_with(communicator, f'id="pm-bids-{job_id}"')
    assert f'<section id="pm-bids-{job_id}" hx-swap-oob="true"' in html
    assert f'data-bid="{bid["id"]}"' in html and 'data-action="assign_provider"' in html
    assert f'<tr id="pm-job-row-{job_id}" hx-swap-oob="true"' in html

    await sync_to_async(lambda: ok(step(actions, alice, job_id, "assign", bid_id=bid["id"])))()
    html = await next_with(communicator, f'id="pm-job-state-{job_id}"')
    assert 'data-status="assigned">Assigned</span>' in html
    assert '<span class="pm-stat">8 DOT</span>' in html
    await communicator.disconnect()
