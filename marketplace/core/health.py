"""The probes behind /healthz. Each answers "ok" or a short reason; none raises."""

import asyncio

from asgiref.sync import async_to_sync
from celery import current_app as celery_app
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import connection

from .selectors import worker_is_alive


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def channel_layer() -> str:
    """A message sent to a fresh channel comes back within PROBE_SECONDS: the layer
    (Redis) takes writes and delivers them. The in-memory layer of the embedded set-up
    reaches this process only, which is what it answers."""
    try:
        layer = get_channel_layer()
        if isinstance(layer, InMemoryChannelLayer):
            return "in-process"
        return async_to_sync(_round_trip)(layer)
    except Exception as exc:
        return f"error: {type(exc).__name__}"


PROBE_SECONDS = 2


async def _round_trip(layer) -> str:
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await asyncio.wait_for(layer.receive(channel), PROBE_SECONDS)
    return "ok" if message.get("type") == "healthz.ping" else "error: wrong message"


def broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def worker() -> str:
    try:
        return "ok" if worker_is_alive() else "stale"
    except Exception:
        return "stale"


def report() -> dict[str, str]:
    return {
        "db": database(),
        "channel_layer": channel_layer(),
        "broker": broker(),
        "worker": worker(),
        "events": "direct" if settings.PM_EVENTS_DIRECT else "outbox-relay",
    }
