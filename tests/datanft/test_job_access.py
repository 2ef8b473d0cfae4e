"""Data access for a job: the assigned provider asks `access_data` with the job's id and
reads the readings on the job owner's subscription, never past the job's deadline."""

from datetime import datetime, timedelta

import pytest

from marketplace.datanft.models import DataAccess
from tests.conftest import DOT
from tests.datanft.conftest import code, hourly, later, stamp
from tests.jobs.market import deadline_in, ok, register, step, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def readings(nft, publish, carol):
    ok(publish(carol, nft["id"], hourly(30)))


@pytest.fixture
def market(nft, readings, subscribe, actions, alice, bob, fund):
    """alice subscribes to carol's NFT for 5 hours; bob provides cpu."""
    fund(alice, 100 * DOT)
    fund(bob, 1000 * DOT)
    subscription = ok(subscribe(alice, nft["id"], 5))
    register(actions, bob, capabilities=("cpu",))
    return subscription


BID = {"price": str(DOT), "sla_seconds": 600}


@pytest.fixture
def post_job(market, nft, actions, alice, bob):
    """alice's cpu job over the NFT (params overridable) and bob's bid on it."""

    def post_job(**overrides):
        params = {"compute_type": "cpu", "data_nft_id": nft["id"], **overrides}
        job = ok(submit(actions, alice, **params), 201)
        return job, ok(step(actions, bob, job["id"], "bids", **BID), 201)

    return post_job


@pytest.fixture
def assign(actions, alice):
    def assign(job, bid):
        return ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))

    return assign


@pytest.fixture
def assigned(post_job, assign):
    """alice's job over the NFT (deadline in 10 minutes), bob assigned."""
    return assign(*post_job(deadline=deadline_in(600)))


@pytest.fixture
def job_access(actions):
    def job_access(signer, nft_id: int, job_id: int, **options):
        return actions.post(
            f"/api/data-nfts/{nft_id}/access",
            signer,
            "access_data",
            {"nft_id": nft_id, "job_id": job_id},
            **options,
        )

    return job_access


def expiry(response) -> datetime:
    return datetime.fromisoformat(response.json()["expires_at"])


def test_the_assigned_provider_reads_the_readings_with_its_token(
    nft, assigned, job_access, api, bob
):
    response = job_access(bob, nft["id"], assigned["id"])
    assert response.status_code == 200, response.content
    page = api.get(
        f"/api/data-nfts/{nft['id']}/readings", {"token": response.json()["token"], "limit": 100}
    )
    assert page.status_code == 200, page.content
    assert page.json()["count"] == 30
    assert [r["value"] for r in page.json()["results"]] == list(range(30))


def test_the_token_ends_at_the_job_deadline(nft, assigned, job_access, bob):
    # alice's subscription runs 5 hours, the token's hour is longer than the 10 minutes
    # left to the job: the deadline bounds it.
    response = job_access(bob, nft["id"], assigned["id"])
    deadline = datetime.fromisoformat(assigned["deadline"])
    assert expiry(response) == deadline.replace(microsecond=0)


def test_the_token_ends_with_the_owners_subscription(
    nft, market, post_job, assign, job_access, bob
):
    job = assign(*post_job(deadline=deadline_in(8 * 3600)))
    with later(hours=4, minutes=30):
        response = job_access(bob, nft["id"], job["id"], issued_at=stamp())
    assert response.status_code == 200, response.content
    # 30 minutes of the subscription are left: less than the token's hour and the job's
    # 3.5 hours. Rounded down to whole seconds: never after the subscription.
    ends = datetime.fromisoformat(market["expires_at"])
    assert ends - timedelta(seconds=1) < expiry(response) <= ends


def test_a_job_started_is_still_served(nft, assigned, actions, job_access, bob):
    ok(step(actions, bob, assigned["id"], "start"))
    assert job_access(bob, nft["id"], assigned["id"]).status_code == 200


def test_every_access_is_counted_for_the_owner(nft, assigned, job_access, api, alice, bob):
    token = job_access(bob, nft["id"], assigned["id"]).json()["token"]
    api.get(f"/api/data-nfts/{nft['id']}/readings", {"token": token})
    api.get(f"/api/data-nfts/{nft['id']}/readings", {"token": token, "page": 2, "limit": 20})
    log = DataAccess.objects.filter(nft_id=nft["id"])
    assert sorted(log.values_list("kind", "accessor")) == [
        ("readings", alice.public_key),
        ("readings", alice.public_key),
        ("token", alice.public_key),
    ]
    assert api.get(f"/api/data-nfts/{nft['id']}/stats").json()["accesses"] == 3


@pytest.mark.parametrize("who", ["mallory", "alice", "carol"])
def test_only_the_assigned_provider_may_ask(nft, assigned, job_access, who, request):
    response = job_access(request.getfixturevalue(who), nft["id"], assigned["id"])
    assert (response.status_code, code(response)) == (403, "forbidden")
    assert not DataAccess.objects.filter(kind="token").exists()


def test_a_bidder_not_yet_assigned_may_not_ask(nft, post_job, job_access, bob):
    job, _ = post_job()
    response = job_access(bob, nft["id"], job["id"])
    assert (response.status_code, code(response)) == (403, "forbidden")


def test_the_job_must_name_this_nft(nft, mint, carol, post_job, assign, job_access, bob):
    other = mint(carol, name="Air quality")
    job = assign(*post_job())
    response = job_access(bob, other["id"], job["id"])
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "job_id" in response.json()["error"]["fields"]
    plain = assign(*post_job(data_nft_id=None))
    response = job_access(bob, nft["id"], plain["id"])
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_a_completed_job_gets_no_more_tokens(nft, assigned, actions, job_access, bob):
    ok(step(actions, bob, assigned["id"], "start"))
    ok(step(actions, bob, assigned["id"], "result", result_ref="inline", result_hash="ab" * 32))
    response = job_access(bob, nft["id"], assigned["id"])
    assert (response.status_code, code(response)) == (409, "invalid_state")


def test_after_the_deadline_no_token_is_issued(nft, assigned, job_access, bob):
    with later(minutes=11):
        response = job_access(bob, nft["id"], assigned["id"], issued_at=stamp())
    assert (response.status_code, code(response)) == (409, "deadline_passed")


def test_without_the_owners_access_there_is_no_token(nft, post_job, assign, job_access, api, bob):
    job = assign(*post_job(deadline=deadline_in(8 * 3600)))
    token = job_access(bob, nft["id"], job["id"]).json()["token"]
    with later(hours=5, seconds=1):
        response = job_access(bob, nft["id"], job["id"], issued_at=stamp())
        read = api.get(f"/api/data-nfts/{nft['id']}/readings", {"token": token})
    assert (response.status_code, code(response)) == (403, "data_access_required")
    # A token issued before ends with the subscription too.
    assert (read.status_code, code(read)) == (403, "data_access_required")


def test_an_unknown_job_is_not_found(nft, market, job_access, bob):
    response = job_access(bob, nft["id"], 987654)
    assert (response.status_code, code(response)) == (404, "not_found")


def test_a_job_id_must_be_a_positive_integer(nft, market, actions, bob):
    response = actions.post(
        f"/api/data-nfts/{nft['id']}/access",
        bob,
        "access_data",
        {"nft_id": nft["id"], "job_id": "seven"},
    )
    assert (response.status_code, code(response)) == (400, "invalid_params")
