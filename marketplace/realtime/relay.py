"""Relay of outbox events to the in-process channel layer.

Only used when the channel layer is in-memory (no REDIS_URL): Celery workers and
other processes cannot reach this process's sockets, so the web process tails the
outbox table and pushes what was committed since it started. Tailing by id is exact
here because that set-up is SQLite, whose IMMEDIATE transactions commit in id order."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from marketplace.core.models import OutboxEvent

from .events import send_events

log = logging.getLogger(__name__)
_task: asyncio.Task | None = None


def ensure_running() -> None:
    """Start the relay in this process's event loop once (idempotent)."""
    global _task
    loop = asyncio.get_running_loop()
    # A task of a loop that has since closed never finishes: only this loop's counts.
    if settings.PM_EVENTS_DIRECT or (
        _task is not None and not _task.done() and _task.get_loop() is loop
    ):
        return
    _task = loop.create_task(_relay_forever())


@database_sync_to_async
def _latest_id() -> int:
    return OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@database_sync_to_async
def _events_after(last_id: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(id__gt=last_id).order_by("id")[:500])


async def _relay_forever() -> None:
    last_id = await _latest_id()
    while True:
        try:
            events = await _events_after(last_id)
            if events:
                await send_events(events)
                last_id = events[-1].pk
        except Exception:
            log.exception("outbox relay failed; retrying")
        await asyncio.sleep(settings.PM_OUTBOX_POLL_SECONDS)
