"""Who may do what: mallory (an outsider), carol (a provider who is not assigned), alice
acting as a provider on her own job and bob acting as the owner all get 403 forbidden,
and nothing changes."""

import pytest
from rest_framework.test import APIClient

from marketplace.jobs.models import Job
from tests.conftest import DOT
from tests.jobs.market import RESULT_HASH, books, error, register, step

pytestmark = pytest.mark.django_db

PARAMS = {
    "bids": {"price": str(8 * DOT), "sla_seconds": 60},
    "start": {},
    "result": {"result_ref": "ipfs://forged", "result_hash": RESULT_HASH},
    "accept": {},
    "dispute": {"reason": "forged"},
    "cancel": {},
}

# (the state in which the rightful actor could take the step, the step)
ALLOWED_FOR_SOMEONE = [
    ("job", "bids"),
    ("bid", "assign"),
    ("job", "cancel"),
    ("assigned", "start"),
    ("in_progress", "result"),
    ("completed", "accept"),
    ("completed", "dispute"),
]


def job_in(request, state) -> int:
    """The id of alice's job, brought to `state` by its fixture."""
    request.getfixturevalue(state)
    return request.getfixturevalue("job")["id"]


def attempt(request, actions, signer, job_id, name):
    params = dict(PARAMS.get(name, {}))
    if name == "assign":
        params["bid_id"] = request.getfixturevalue("bid")["id"]
    return step(actions, signer, job_id, name, **params)


@pytest.fixture
def carol_provides(actions, carol, fund):
    fund(carol, 1000 * DOT)
    register(actions, carol)


@pytest.mark.parametrize(("state", "name"), ALLOWED_FOR_SOMEONE)
def test_mallory_may_do_nothing_to_a_job(request, actions, alice, bob, mallory, state, name):
    job_id = job_in(request, state)
    before = Job.objects.get(pk=job_id).status, books(alice, bob, job_id)
    response = attempt(request, actions, mallory, job_id, name)
    assert error(response) == (403, "forbidden")
    assert (Job.objects.get(pk=job_id).status, books(alice, bob, job_id)) == before


@pytest.mark.parametrize(
    ("state", "name"), [("assigned", "start"), ("in_progress", "result"), ("completed", "accept")]
)
def test_a_provider_who_is_not_assigned_may_not_act_on_the_job(
    request, actions, alice, bob, carol, carol_provides, state, name
):
    job_id = job_in(request, state)
    response = attempt(request, actions, carol, job_id, name)
    assert error(response) == (403, "forbidden")
    assert Job.objects.get(pk=job_id).status == state


@pytest.mark.parametrize(("state", "name"), [("assigned", "start"), ("in_progress", "result")])
def test_the_owner_may_not_act_as_the_provider(request, actions, alice, bob, fund, state, name):
    job_id = job_in(request, state)
    fund(alice, 100 * DOT)
    register(actions, alice, stake=100 * DOT)  # alice is a provider too
    response = attempt(request, actions, alice, job_id, name)
    assert error(response) == (403, "forbidden")
    assert Job.objects.get(pk=job_id).status == state


def test_the_owner_may_not_bid_on_her_own_job(job, actions, alice, fund):
    fund(alice, 100 * DOT)
    register(actions, alice, stake=100 * DOT)
    response = step(actions, alice, job["id"], "bids", price=str(DOT), sla_seconds=60)
    assert error(response) == (403, "forbidden")
    assert not Job.objects.get(pk=job["id"]).bids.exists()


@pytest.mark.parametrize(("state", "name"), [("bid", "assign"), ("completed", "accept")])
def test_the_provider_may_not_act_as_the_owner(request, actions, alice, bob, state, name):
    job_id = job_in(request, state)
    before = Job.objects.get(pk=job_id).status
    response = attempt(request, actions, bob, job_id, name)
    assert error(response) == (403, "forbidden")
    assert Job.objects.get(pk=job_id).status == before


def test_only_the_parties_see_bids_and_the_result(completed, actions, alice, bob, mallory):
    def seen_by(signer):
        client = APIClient()  # a fresh client: no session left from another login
        if signer is not None:
            token = actions.post("/api/auth/login", signer, "login", {}).json()["token"]
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        job = client.get(f"/api/jobs/{completed['id']}").json()
        return job, client.get(f"/api/jobs/{completed['id']}/result")

    for party in (alice, bob):
        job, result = seen_by(party)
        assert (len(job["bids"]), job["result_hash"]) == (1, RESULT_HASH)
        assert result.json() == {
            "result_ref": "ipfs://out",
            "result_hash": RESULT_HASH,
            "result_content": None,
        }
    job, result = seen_by(mallory)
    assert (job["bids"], job["result_ref"], job["result_hash"]) == ([], None, None)
    assert error(result) == (403, "forbidden")
    job, result = seen_by(None)
    assert (job["bids"], job["result_hash"]) == ([], None)
    assert error(result) == (401, "not_authenticated")
