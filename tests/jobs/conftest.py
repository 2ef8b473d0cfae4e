import pytest

from tests.conftest import DOT
from tests.jobs.market import (
    RESULT_HASH,
    ok,
    register,
    step,
    submit,
)


@pytest.fixture
def market(actions, alice, bob, fund):
    """alice (100 DOT) buys; bob (1,000 DOT, 200 of them staked) provides gpu."""
    fund(alice, 100 * DOT)
    fund(bob, 1000 * DOT)
    register(actions, bob)


@pytest.fixture
def job(market, actions, alice):
    """A registered 10 DOT gpu job of alice's."""
    return ok(submit(actions, alice), 201)


@pytest.fixture
def bid(job, actions, bob):
    """bob's 8 DOT bid on the job."""
    return ok(step(actions, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=600), 201)


@pytest.fixture
def assigned(bid, job, actions, alice):
    return ok(step(actions, alice, job["id"], "assign", bid_id=bid["id"]))


@pytest.fixture
def in_progress(assigned, actions, bob):
    return ok(step(actions, bob, assigned["id"], "start"))


@pytest.fixture
def completed(in_progress, actions, bob):
    return ok(
        step(
            actions,
            bob,
            in_progress["id"],
            "result",
            result_ref="ipfs://out",
            result_hash=RESULT_HASH,
        )
    )


@pytest.fixture
def disputed(completed, actions, alice):
    return ok(step(actions, alice, completed["id"], "dispute", reason="wrong output"))


@pytest.fixture
def settled(completed, actions, alice):
    return ok(step(actions, alice, completed["id"], "accept"))


@pytest.fixture
def cancelled(bid, job, actions, alice):
    return ok(step(actions, alice, job["id"], "cancel"))


@pytest.fixture
def expired(in_progress):
    from django.utils import timezone

    from marketplace.jobs import services
    from marketplace.jobs.models import Job

    Job.objects.filter(pk=in_progress["id"]).update(deadline=timezone.now())
    assert services.expire_overdue() == 1
    return in_progress
