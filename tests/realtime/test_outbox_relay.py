"""Without Redis the channel layer is in-memory and cannot cross processes: the web
process relays the outbox, so an event committed by another process (a Celery worker)
still reaches the sockets of this one."""

import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings

from marketplace.realtime.events import PUBLIC, user_group
from polkamesh_web.asgi import application
from tests.stack import ROOT, stack_env

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def publish_from_another_process(group: str) -> None:
    code = (
        "import django; django.setup();"
        "from django.db import transaction;"
        "from marketplace.realtime.events import publish\n"
        "with transaction.atomic():\n"
        f"    publish([{group!r}], 'balance', {{'from': 'worker'}})\n"
    )
    env = stack_env(REDIS_URL="", DJANGO_SETTINGS_MODULE="polkamesh_web.settings")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)


@pytest.mark.django_db(transaction=True)
@override_settings(CHANNEL_LAYERS=IN_MEMORY, PM_EVENTS_DIRECT=False, PM_OUTBOX_POLL_SECONDS=0.05)
@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
async def test_an_event_committed_by_another_process_reaches_a_socket_here(actions, alice, public):
    assert "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    token = (await sync_to_async(actions.post)("/api/auth/login", alice, "login", {})).json()[
        "token"
    ]
    communicator = WebsocketCommunicator(application, f"/ws/events/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"

    # A public event goes through the process's fan-out (fanout.py), a private one to
    # the socket's own channel.
    group = PUBLIC if public else user_group(alice.public_key)
    await sync_to_async(publish_from_another_process)(group)

    event = await communicator.receive_json_from(timeout=10)
    assert (event["type"], event["data"]) == ("balance", {"from": "worker"})
    await communicator.disconnect()
    assert os.environ.get("REDIS_URL")  # the rest of the suite still uses Redis
