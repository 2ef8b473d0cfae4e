"""The `public` feed of `/ws/events/`, fanned out inside each web process.

Every agent's socket hears every public event. With each socket a member of the
`public` group, channels-redis hands the process one message and then wakes every
consumer in turn (its receive tasks, its dispatch, its own JSON encoding) — about
0.25 ms per socket, most of what a broadcast to 1,000 sockets costs (docs/BENCHMARKS.md,
"Push latency"). Here the process joins `public` once, encodes each event once and
writes it to each of its sockets. Private groups (`user.*`, `capability.*`) stay
per socket."""

import asyncio
import contextlib
import json
import logging
import time

from channels.layers import get_channel_layer

from .events import PUBLIC

log = logging.getLogger(__name__)

# channels-redis drops a group member after `group_expiry` (a day by default): the
# process renews its membership well before that.
REJOIN_SECONDS = 3600


class PublicFanout:
    def __init__(self):
        self.sockets: set = set()
        self._task: asyncio.Task | None = None
        self._joined: asyncio.Future | None = None
        self._channel: str | None = None
        self._joined_at = 0.0

    async def register(self, consumer) -> None:
        """From now on `consumer.push_public(event_id, text)` hears every public event.
        Returns once the process is a member of `public`."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            # Started without an await in between: sockets connecting at once share one
            # subscription. A server runs one event loop; a new loop (tests) starts a new
            # subscription, and the sockets of the old loop are gone with it.
            self.sockets = set()
            self._joined = loop.create_future()
            self._task = loop.create_task(self._forward_forever(self._joined))
        await asyncio.shield(self._joined)
        if time.monotonic() - self._joined_at > REJOIN_SECONDS:
            await self._join()
        self.sockets.add(consumer)

    def unregister(self, consumer) -> None:
        self.sockets.discard(consumer)

    async def _join(self) -> None:
        await get_channel_layer().group_add(PUBLIC, self._channel)
        self._joined_at = time.monotonic()

    async def _forward_forever(self, joined: asyncio.Future) -> None:
        layer = get_channel_layer()
        try:
            if self._channel is not None:
                await layer.group_discard(PUBLIC, self._channel)
            self._channel = channel = await layer.new_channel()
            await self._join()
        except Exception as exc:
            joined.set_exception(exc)  # the sockets waiting to register fail to connect
            raise
        joined.set_result(None)
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a blinking Redis: clients catch up from the outbox
                log.warning("public feed: receive failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            if message.get("type") == "event.forward":
                await self._push(message["event"])

    async def _push(self, event: dict) -> None:
        text = json.dumps({"id": event["id"], "type": event["type"], "data": event["data"]})
        for consumer in list(self.sockets):
            try:
                await consumer.push_public(event["id"], text)
            except Exception:  # one broken socket must not starve the others
                log.warning("public feed: socket dropped", exc_info=True)
                self.unregister(consumer)
                # Closed, not left open and deaf: the client reconnects and catches up
                # with `since`.
                with contextlib.suppress(Exception):
                    await consumer.close(code=1011)


public_fanout = PublicFanout()
