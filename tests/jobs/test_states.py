"""Every transition the state machine does not allow, taken by the actor who could take
it in the right state, is 409 invalid_state and changes nothing."""

import pytest

from marketplace.core.errors import InvalidState
from marketplace.jobs import services
from marketplace.jobs.models import Bid, Job
from tests.conftest import DOT
from tests.jobs.market import RESULT_HASH, books, error, step

pytestmark = pytest.mark.django_db

OWNER_STEPS = {"assign", "accept", "dispute", "cancel"}
PARAMS = {
    "bids": {"price": str(8 * DOT), "sla_seconds": 60},
    "result": {"result_ref": "ipfs://late", "result_hash": RESULT_HASH},
    "dispute": {"reason": "too late"},
    "decline": {"reason": "out of capacity"},
}
EVERY_STEP = ["bids", "decline", "assign", "start", "result", "accept", "dispute", "cancel"]
NOT_ALLOWED = {
    "job": ["accept", "dispute"],
    "assigned": ["bids", "assign", "result", "accept", "dispute"],
    "in_progress": ["bids", "assign", "start", "cancel", "accept", "dispute"],
    "completed": ["bids", "decline", "assign", "start", "result", "cancel"],
    "disputed": ["bids", "decline", "assign", "start", "result", "accept", "dispute", "cancel"],
    "settled": EVERY_STEP,
    "cancelled": ["bids", "decline", "assign", "accept", "dispute", "cancel"],
    "expired": EVERY_STEP,
}


def snapshot(job_id, alice, bob):
    job = Job.objects.get(pk=job_id)
    bids = list(Bid.objects.filter(job=job).values_list("id", "status"))
    return job.status, job.history.count(), bids, books(alice, bob, job_id)


@pytest.mark.parametrize(
    ("state", "name"), [(state, name) for state, names in NOT_ALLOWED.items() for name in names]
)
def test_a_transition_the_state_does_not_allow_is_invalid_state(
    request, actions, alice, bob, state, name
):
    request.getfixturevalue(state)
    job_id = request.getfixturevalue("job")["id"]
    params = dict(PARAMS.get(name, {}))
    if name == "assign":
        params["bid_id"] = request.getfixturevalue("bid")["id"]  # every such state has it
    before = snapshot(job_id, alice, bob)
    response = step(actions, alice if name in OWNER_STEPS else bob, job_id, name, **params)
    assert error(response) == (409, "invalid_state")
    assert snapshot(job_id, alice, bob) == before


@pytest.mark.parametrize("state", ["job", "completed", "settled", "expired"])
def test_staff_can_only_resolve_a_disputed_job(request, alice, bob, state):
    request.getfixturevalue(state)
    job_id = request.getfixturevalue("job")["id"]
    before = snapshot(job_id, alice, bob)
    with pytest.raises(InvalidState):
        services.resolve_dispute(job_id, outcome="release")
    assert snapshot(job_id, alice, bob) == before


def test_a_settled_dispute_cannot_be_resolved_again(disputed, alice, bob):
    services.resolve_dispute(disputed["id"], outcome="refund")
    before = snapshot(disputed["id"], alice, bob)
    with pytest.raises(InvalidState):
        services.resolve_dispute(disputed["id"], outcome="release")
    assert snapshot(disputed["id"], alice, bob) == before
