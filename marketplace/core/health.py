"""The probes behind /healthz. Each answers "ok" or a short reason; none raises."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from polkamesh_web.celery import app as celery_app

from .selectors import worker_is_alive


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def channel_layer() -> str:
    try:
        layer = get_channel_layer()
        async_to_sync(layer.group_send)("healthz", {"type": "healthz.ping"})
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


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
