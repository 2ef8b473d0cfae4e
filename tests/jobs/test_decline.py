"""decline_job: a provider says why it will not bid, or why it cannot finish; the money
of each case as a worked example (the ledger's invariants are checked at each step).

alice starts with 100 DOT, bob with 1,000 DOT of which 200 are staked; the job's budget
is 10 DOT, bob's bid 8 DOT."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from marketplace.core.models import OutboxEvent
from marketplace.jobs import services
from marketplace.jobs.models import Job
from marketplace.providers.models import Provider, Slash
from tests.conftest import DOT
from tests.jobs.market import RESULT_HASH, books, error, ok, register, stake, step

pytestmark = pytest.mark.django_db

REASON = "the model needs 12 GB of GPU memory; we have 8"


def decline(actions, signer, job_id: int, reason: str = REASON):
    return step(actions, signer, job_id, "decline", reason=reason)


def provider_of(signer) -> Provider:
    return Provider.objects.get(wallet__public_key=signer.public_key)


def events_of(job_id: int, kind: str) -> list[dict]:
    return [
        event.data
        for event in OutboxEvent.objects.filter(type=kind).order_by("id")
        if event.data.get("job_id") == job_id
    ]


def test_a_provider_that_will_not_bid_says_why_and_nothing_else_changes(job, actions, alice, bob):
    before = books(alice, bob, job["id"])

    declined = ok(decline(actions, bob, job["id"]))

    assert declined["status"] == "registered"
    last = declined["history"][-1]
    assert (last["status"], last["declined_by"], last["reason"]) == (
        "registered",
        bob.address,
        REASON,
    )
    assert books(alice, bob, job["id"]) == before
    assert events_of(job["id"], "job.declined") == [
        {"job_id": job["id"], "provider": bob.address, "reason": REASON, "status": "registered"}
    ]


def test_the_owner_reads_the_reasons_in_the_jobs_history(job, actions, alice, bob, api):
    ok(decline(actions, bob, job["id"]))

    history = api.get(f"/api/jobs/{job['id']}").json()["history"]

    assert [(e["declined_by"], e["reason"]) for e in history] == [
        (None, ""),
        (bob.address, REASON),
    ]


def test_a_provider_declines_a_job_once_and_may_not_bid_on_it_afterwards(job, actions, bob):
    ok(decline(actions, bob, job["id"]))

    assert error(decline(actions, bob, job["id"], "again")) == (409, "duplicate")
    bid = step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=60)
    assert error(bid) == (409, "invalid_state")


def test_declining_withdraws_the_providers_open_bid(bid, job, actions, bob):
    ok(decline(actions, bob, job["id"]))

    assert Job.objects.get(pk=job["id"]).bids.get().status == "withdrawn"
    assert services.close_bid_windows() == 0  # a withdrawn bid is never auto-assigned


def test_an_assigned_provider_declining_before_starting_returns_the_job_to_bidding(
    assigned, actions, alice, bob, carol, fund
):
    # assigned at 8 DOT: alice has 92, the escrow 8.
    assert books(alice, bob, assigned["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)
    reputation = provider_of(bob).reputation

    job = ok(decline(actions, bob, assigned["id"]))

    # Nothing moves: no slash before the start, the 8 DOT stay in escrow for the next one.
    assert (job["status"], job["assigned_provider"], job["price"]) == ("registered", None, None)
    assert job["budget"] == str(8 * DOT)
    assert books(alice, bob, job["id"]) == (92 * DOT, 800 * DOT, 0, 8 * DOT)
    assert (stake(bob), provider_of(bob).reputation) == (200 * DOT, reputation)
    assert Job.objects.get(pk=job["id"]).bids.get().status == "withdrawn"
    assert Slash.objects.count() == 0
    last = job["history"][-1]
    assert (last["status"], last["declined_by"], last["reason"]) == (
        "registered",
        bob.address,
        REASON,
    )
    assert "back to bidding" in last["note"]
    # A new bid window, and every gpu provider hears of the job again.
    window = Job.objects.get(pk=job["id"]).bid_window_ends_at
    assert window > timezone.now() + timedelta(seconds=settings.PM_BID_WINDOW_SECONDS - 5)
    assert len(events_of(job["id"], "job.opened")) == 2

    # carol takes it over and is paid the full 7 DOT she bid (less the fee).
    fund(carol, 1000 * DOT)
    register(actions, carol)
    bid = ok(step(actions, carol, job["id"], "bids", price=str(7 * DOT), sla_seconds=60), 201)
    ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))
    ok(step(actions, carol, job["id"], "start"))
    ok(step(actions, carol, job["id"], "result", result_ref="ipfs://out", result_hash=RESULT_HASH))
    ok(step(actions, alice, job["id"], "accept"))
    fee = 7 * DOT * settings.PM_FEE_BPS // 10_000
    # alice: 92 + the 1 DOT the cheaper assignment returned.
    assert books(alice, carol, job["id"]) == (93 * DOT, 800 * DOT + 7 * DOT - fee, fee, 0)


def test_an_assigned_provider_declining_after_starting_is_slashed_as_for_an_expiry(
    in_progress, actions, alice, bob
):
    job = ok(decline(actions, bob, in_progress["id"], "the input stream went silent"))

    # 10 % of the 200 DOT stake is 20 DOT, capped at the job's 8 DOT price: to alice.
    assert job["status"] == "registered"
    assert books(alice, bob, job["id"]) == (92 * DOT + 8 * DOT, 800 * DOT, 0, 8 * DOT)
    assert stake(bob) == 192 * DOT
    provider = provider_of(bob)
    assert (provider.reputation, provider.jobs_expired) == (450, 1)
    assert "after starting; slashed 8 DOT; back to bidding" in job["history"][-1]["note"]


def test_it_refunds_the_owner_when_the_deadline_leaves_no_time_for_another_provider(
    assigned, actions, alice, bob
):
    soon = timezone.now() + timedelta(seconds=settings.PM_MIN_DEADLINE_SECONDS - 10)
    Job.objects.filter(pk=assigned["id"]).update(deadline=soon)

    job = ok(decline(actions, bob, assigned["id"]))

    assert (job["status"], job["escrow"]["state"]) == ("cancelled", "refunded")
    assert books(alice, bob, job["id"]) == (100 * DOT, 800 * DOT, 0, 0)
    assert stake(bob) == 200 * DOT
    assert "no time left for another provider" in job["history"][-1]["note"]


def test_a_job_declined_after_starting_can_still_expire_in_the_next_providers_hands(
    in_progress, actions, alice, bob, carol, fund
):
    ok(decline(actions, bob, in_progress["id"]))
    fund(carol, 1000 * DOT)
    register(actions, carol)
    bid = ok(
        step(actions, carol, in_progress["id"], "bids", price=str(8 * DOT), sla_seconds=9), 201
    )
    ok(step(actions, alice, in_progress["id"], "assign", bid_id=bid["id"]))
    Job.objects.filter(pk=in_progress["id"]).update(deadline=timezone.now())

    assert services.expire_overdue() == 1

    # Both are slashed 8 DOT for the same job, once each; alice gets 100 + 8 + 8.
    slashes = Slash.objects.filter(job_id=in_progress["id"]).order_by("id")
    assert [(s.provider.wallet.public_key, s.amount) for s in slashes] == [
        (bob.public_key, 8 * DOT),
        (carol.public_key, 8 * DOT),
    ]
    assert books(alice, carol, in_progress["id"]) == (116 * DOT, 800 * DOT, 0, 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("mallory", (403, "forbidden")), ("alice", (403, "forbidden"))],
)
def test_only_providers_decline(request, job, actions, who, expected):
    assert error(decline(actions, request.getfixturevalue(who), job["id"])) == expected


def test_a_provider_without_the_compute_type_cannot_decline(job, actions, carol, fund):
    fund(carol, 1000 * DOT)
    register(actions, carol, capabilities=("cpu",))

    assert error(decline(actions, carol, job["id"])) == (403, "forbidden")


def test_another_provider_cannot_decline_a_job_assigned_to_someone_else(
    assigned, actions, alice, bob, carol, fund
):
    fund(carol, 1000 * DOT)
    register(actions, carol)
    before = books(alice, bob, assigned["id"])

    assert error(decline(actions, carol, assigned["id"])) == (409, "invalid_state")
    assert books(alice, bob, assigned["id"]) == before


def test_a_decline_after_the_deadline_is_refused(assigned, actions, alice, bob):
    Job.objects.filter(pk=assigned["id"]).update(deadline=timezone.now())

    assert error(decline(actions, bob, assigned["id"])) == (409, "deadline_passed")
    assert Job.objects.get(pk=assigned["id"]).status == "assigned"


def test_a_decline_needs_a_reason(job, actions, bob):
    response = decline(actions, bob, job["id"], "  ")

    assert error(response) == (400, "invalid_params")
    assert "reason" in response.json()["error"]["fields"]
