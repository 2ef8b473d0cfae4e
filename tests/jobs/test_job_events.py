"""Over /ws/events/: a gpu provider hears `job.opened` for a new gpu job (a cpu-only
provider does not), and the owner and the assigned provider hear `job.status`."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from polkamesh_web.asgi import application
from tests.conftest import DOT, Actions
from tests.jobs.market import ok, register, step, submit

pytestmark = pytest.mark.django_db(transaction=True)


def login(signer) -> str:
    return Actions(APIClient()).post("/api/auth/login", signer, "login", {}).json()["token"]


async def connect(token: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def next_of(communicator, type_: str) -> dict:
    """The next event of `type_`, skipping others (balance updates and the like)."""
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == type_:
            return event["data"]


@pytest.fixture
def people(alice, bob, carol, fund):
    fund(alice, 100 * DOT)
    fund(bob, 1000 * DOT)
    fund(carol, 1000 * DOT)
    actions = Actions(APIClient())
    register(actions, bob, capabilities=("gpu",))
    register(actions, carol, capabilities=("cpu",))
    return actions


async def test_a_gpu_provider_hears_a_new_gpu_job_and_a_cpu_provider_does_not(
    people, alice, bob, carol
):
    bob_socket = await connect(await sync_to_async(login)(bob))
    carol_socket = await connect(await sync_to_async(login)(carol))
    job = await sync_to_async(lambda: ok(submit(people, alice), 201))()
    opened = await next_of(bob_socket, "job.opened")
    assert (opened["job_id"], opened["compute_type"], opened["budget"]) == (
        job["id"],
        "gpu",
        str(10 * DOT),
    )
    assert await carol_socket.receive_nothing(timeout=0.5)
    await bob_socket.disconnect()
    await carol_socket.disconnect()


async def test_the_owner_and_the_assigned_provider_hear_each_status(people, alice, bob):
    alice_socket = await connect(await sync_to_async(login)(alice))
    bob_socket = await connect(await sync_to_async(login)(bob))

    def submit_and_bid():
        job = ok(submit(people, alice), 201)
        bid = ok(step(people, bob, job["id"], "bids", price=str(8 * DOT), sla_seconds=60), 201)
        return job, bid

    job, bid = await sync_to_async(submit_and_bid)()
    assert (await next_of(alice_socket, "job.status"))["status"] == "registered"
    heard = await next_of(alice_socket, "job.bid")
    assert (heard["job_id"], heard["bid"]["id"]) == (job["id"], bid["id"])

    await sync_to_async(step)(people, alice, job["id"], "assign", bid_id=bid["id"])
    for socket in (alice_socket, bob_socket):
        status = await next_of(socket, "job.status")
        assert (status["job_id"], status["status"], status["assigned_provider"]) == (
            job["id"],
            "assigned",
            bob.address,
        )
    await sync_to_async(step)(people, bob, job["id"], "start")
    assert (await next_of(alice_socket, "job.status"))["status"] == "in_progress"
    await alice_socket.disconnect()
    await bob_socket.disconnect()
