"""The shared groups of `/ws/events/` (`public`, `capability.*`), fanned out inside
each web process.

Many sockets hear every event of a shared group alike: every agent hears the market
feed, every CPU provider's agent hears each `job.opened` of a CPU job. With each
socket a member of the group, channels-redis hands the process one message and then
wakes every consumer in turn (its receive tasks, its dispatch, its own JSON encoding) —
about 0.25 ms per socket, most of what a broadcast to 1,000 sockets costs
(docs/BENCHMARKS.md, "Push latency"). Here the process joins each shared group once,
on one channel of its own, encodes each event once and writes it to each of its
sockets in that group. Per-wallet groups (`user.*`) stay per socket."""

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict

from channels.layers import get_channel_layer

from .events import PUBLIC

log = logging.getLogger(__name__)

# channels-redis drops a group member after `group_expiry` (a day by default): the
# process renews its memberships well before that, however long its sockets stay.
REJOIN_SECONDS = 3600
# An event of several shared groups arrives once per group, in messages that follow one
# another closely (events.group_batches); the ids of the last ones pushed are remembered
# so that a socket in two of them hears it once.
REMEMBERED_EVENTS = 1024


class SharedFanout:
    def __init__(self):
        self.members: dict[str, set] = {}  # shared group → this process's sockets in it
        self._task: asyncio.Task | None = None
        self._ready: asyncio.Future | None = None
        self._channel: str | None = None
        self._joined: set[str] = set()  # the shared groups the channel must be in
        self._renewal: asyncio.Task | None = None  # held: asyncio keeps only weak refs
        self._lost = False  # the layer failed: memberships may be gone (Redis restarted)
        self._pushed: OrderedDict[int, None] = OrderedDict()

    async def register(self, consumer, groups: list[str]) -> None:
        """From now on `consumer.push_shared(event_id, text)` hears every event of
        `groups` (shared groups). Returns once the process is a member of each."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            # Started without an await in between: sockets connecting at once share one
            # channel. A server runs one event loop; a new loop (tests) starts anew, and
            # the sockets of the old loop are gone with it.
            stale = (self._channel, self._joined)
            self.members, self._joined = {}, set()
            self._ready = loop.create_future()
            self._task = loop.create_task(self._forward_forever(self._ready, *stale))
        await asyncio.shield(self._ready)
        if self._lost:
            await self._rejoin()
        await self._join(set(groups) - self._joined)
        for group in groups:
            self.members.setdefault(group, set()).add(consumer)

    def unregister(self, consumer) -> None:
        for sockets in self.members.values():
            sockets.discard(consumer)

    async def _join(self, groups: set[str]) -> None:
        layer = get_channel_layer()
        for group in sorted(groups):
            await layer.group_add(group, self._channel)
            self._joined.add(group)

    async def _rejoin(self) -> None:
        """Add the channel to all its groups again (group_add is idempotent)."""
        await self._join(set(self._joined))
        self._lost = False

    async def _forward_forever(
        self, ready: asyncio.Future, old_channel: str | None, old_groups: set[str]
    ) -> None:
        layer = get_channel_layer()
        try:
            for group in old_groups:  # the channel of a loop that is gone
                await layer.group_discard(group, old_channel)
            self._channel = channel = await layer.new_channel()
            await self._join({PUBLIC})
        except Exception as exc:
            ready.set_exception(exc)  # the sockets waiting to register fail to connect
            raise
        ready.set_result(None)
        self._renewal = asyncio.get_running_loop().create_task(self._renew_forever())
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a blinking Redis: clients catch up from the outbox
                log.warning("shared groups: receive failed; retrying", exc_info=True)
                # A Redis that restarted empty forgot the memberships: join again before
                # listening on, and before the next socket's replay (see register).
                self._lost = True
                await asyncio.sleep(1)
                with contextlib.suppress(Exception):  # still down: the next round tries
                    await self._rejoin()
                continue
            if message.get("type") == "events.forward":
                for item in message["events"]:
                    await self._push(item["event"], item["groups"])

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            try:
                await self._rejoin()
            except Exception:  # a blinking Redis: the receive loop rejoins after it
                log.warning("shared groups: renewing the memberships failed", exc_info=True)

    async def _push(self, event: dict, groups: list[str]) -> None:
        mine = [group for group in groups if group in self.members]
        if len(mine) > 1:  # the same event comes again through its other groups
            if event["id"] in self._pushed:
                return
            self._pushed[event["id"]] = None
            if len(self._pushed) > REMEMBERED_EVENTS:
                self._pushed.popitem(last=False)
        sockets = set().union(*(self.members[group] for group in mine))
        text = json.dumps({"id": event["id"], "type": event["type"], "data": event["data"]})
        for consumer in sockets:
            try:
                await consumer.push_shared(event["id"], text)
            except Exception:  # one broken socket must not starve the others
                log.warning("shared groups: socket dropped", exc_info=True)
                self.unregister(consumer)
                # Closed, not left open and deaf: the client reconnects and catches up
                # with `since`.
                with contextlib.suppress(Exception):
                    await consumer.close(code=1011)


shared_fanout = SharedFanout()
