"""Events to WebSocket clients, sent only after the change they announce commits.

Groups: `user.<public key hex>` (a wallet's private feed), `public` (market feed),
`capability.<cpu|gpu|tee>` (providers that can run such jobs).
"""

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from marketplace.core.bulk import insert_rows
from marketplace.core.models import OutboxEvent

log = logging.getLogger(__name__)

PUBLIC = "public"


def user_group(public_key: str) -> str:
    return f"user.{public_key}"


def capability_group(capability: str) -> str:
    return f"capability.{capability}"


def is_shared(group: str) -> bool:
    """Whether many sockets hear the group's events alike (the market feed, a
    capability's job announcements): each web process joins such a group once and
    writes its events to its own sockets (fanout.py)."""
    return group == PUBLIC or group.startswith(capability_group(""))


def publish(groups: list[str], type: str, data: dict) -> None:
    """Record an event in the outbox of the current transaction; deliver after commit."""
    gathered = getattr(transaction.get_connection(), "_pm_gathered_events", None)
    if gathered is not None:
        gathered.append((groups, type, data))
        return
    event = OutboxEvent.objects.create(groups=groups, type=type, data=data)
    if not settings.PM_EVENTS_DIRECT:
        return
    if transaction.get_connection().in_atomic_block:
        _transaction_batch().add(event)
    else:  # autocommit: the row is committed already
        deliver([event])


def publish_many(events: Iterable[tuple[list[str], str, dict]]) -> None:
    """`publish` for many `(groups, type, data)` at once: one INSERT into the outbox
    (sweeps and batch settlement announce thousands of changes)."""
    events = list(events)
    ids = insert_rows(OutboxEvent, ("groups", "type", "data"), events)
    if not ids or not settings.PM_EVENTS_DIRECT:
        return
    rows = [
        OutboxEvent(pk=pk, groups=groups, type=type, data=data)
        for pk, (groups, type, data) in zip(ids, events, strict=True)
    ]
    if transaction.get_connection().in_atomic_block:
        _transaction_batch().add(*rows)
    else:
        deliver(rows)


@contextmanager
def gathered() -> Iterator[None]:
    """The events that the block publishes go into the outbox together at its end, one
    multi-row INSERT (an action that announces several changes), in the same order. If
    the block raises, none is written.

    Caveat: until the block ends the events are held in memory, not in the database, so
    a savepoint inside the block (a nested `transaction.atomic()`) that rolls back does
    not take back the events published within it: they are written all the same. Gather
    only code that lets such an error propagate out of the block."""
    connection = transaction.get_connection()
    if getattr(connection, "_pm_gathered_events", None) is not None:
        yield  # an enclosing block writes them
        return
    events: list[tuple[list[str], str, dict]] = []
    connection._pm_gathered_events = events
    try:
        yield
    finally:
        connection._pm_gathered_events = None
    publish_many(events)


class _Batch(list):
    """The events of one transaction, pushed together after it commits. It reorders
    Django's private on-commit list: tests/realtime/test_event_batches.py pins what it
    relies on."""

    def add(self, *events: OutboxEvent) -> None:
        # Events join the batch from their own on-commit hook, which Django drops with
        # the hooks of a savepoint that rolls back; the flush is moved after it, so it
        # runs once every surviving event has joined.
        transaction.on_commit(partial(self.extend, events))
        hooks = transaction.get_connection().run_on_commit
        flush = next(i for i, (_, func, _) in enumerate(hooks) if func == self.flush)
        hooks.append(hooks.pop(flush))

    def flush(self) -> None:
        deliver(list(self))


def _transaction_batch() -> _Batch:
    connection = transaction.get_connection()
    batch = getattr(connection, "_pm_event_batch", None)
    # A batch belongs to the transaction whose on-commit list still holds its flush;
    # after a commit or a rollback that list is gone and a new batch starts.
    if batch is None or not any(func == batch.flush for _, func, _ in connection.run_on_commit):
        batch = connection._pm_event_batch = _Batch()
        transaction.on_commit(batch.flush)
    return batch


def deliver(events: list[OutboxEvent]) -> None:
    """Push events to their groups, from the process's pusher thread: the request or
    task that committed them does not wait for Redis. A lost push is not lost state:
    clients catch up from the outbox when they reconnect."""
    if events:
        _pusher.push(events)


class _Pusher:
    """One thread per process with its own event loop sends the pushes one batch after
    the other, in commit order (channels-redis keeps a connection pool per loop, so the
    loop lives as long as the process). Started on first use, after any fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[list[OutboxEvent]] | None = None
        self._pid = 0

    def push(self, events: list[OutboxEvent]) -> None:
        loop, queue = self._started()
        loop.call_soon_threadsafe(queue.put_nowait, events)

    def drain(self, timeout: float = 5) -> None:
        """Wait until the pushes handed over so far are sent (at exit)."""
        if self._loop is None or self._queue is None or self._pid != os.getpid():
            return
        done = asyncio.run_coroutine_threadsafe(self._queue.join(), self._loop)
        try:
            done.result(timeout)
        except TimeoutError:
            log.warning("%d push batch(es) not sent at exit", self._queue.qsize())

    def _started(self) -> tuple[asyncio.AbstractEventLoop, "asyncio.Queue[list[OutboxEvent]]"]:
        with self._lock:
            if self._loop is None or self._queue is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                threading.Thread(
                    target=self._run, args=(loop, ready), name="event-pusher", daemon=True
                ).start()
                ready.wait()
                self._loop, self._pid = loop, os.getpid()
            assert self._queue is not None
            return self._loop, self._queue

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        self._queue = asyncio.Queue()
        loop.call_soon(ready.set)
        loop.run_until_complete(self._send_forever(self._queue))

    @staticmethod
    async def _send_forever(queue: "asyncio.Queue[list[OutboxEvent]]") -> None:
        while True:
            events = await queue.get()
            try:
                await send_events(events)
            except Exception:  # a blinking Redis must not stop the pushes that follow
                log.warning(
                    "push of %d event(s) failed; clients will catch up", len(events), exc_info=True
                )
            finally:
                queue.task_done()


_pusher = _Pusher()


def drain_pushes(timeout: float = 5) -> None:
    """Wait until the pushes this process handed over so far are sent: at exit, and in
    the benches, so that one measurement does not pay for the previous one's pushes."""
    _pusher.drain(timeout)


atexit.register(drain_pushes)


# At most this many events in one channel-layer message: a sweep's 10,000 events to one
# owner are 50 messages, each far below what Redis holds in a value and well within a
# channel's capacity (PM_CHANNEL_CAPACITY messages).
EVENTS_PER_MESSAGE = 200


async def send_events(events: list[OutboxEvent]) -> None:
    """One `events.forward` message per group with that group's events in commit order
    (one `group_send` per event and group was most of what a sweep paid per job). Each
    event keeps its `groups`: a socket or process in several of them hears it once."""
    layer = get_channel_layer()
    for group, batch in group_batches(events):
        await layer.group_send(group, {"type": "events.forward", "events": batch})


def group_batches(events: list[OutboxEvent]) -> list[tuple[str, list[dict]]]:
    """`(group, [{"event", "groups"}, …])` in the order to send them, so that whatever
    groups a channel is in it hears their events in commit order.

    A channel hears at most one `user.*` group (a socket's own) besides shared ones, so
    the events of different wallets may go in separate messages in any order; but an
    event may only join its group's latest message while no message to a group that
    one channel could hear together with this one was started after it (then a
    channel in both would hear the later event of this group first). Otherwise, and
    when the latest message is full, the event starts a new message."""
    batches: list[tuple[str, list[dict]]] = []
    latest: dict[str, int] = {}  # group → index of its latest message
    latest_shared = -1  # index of the latest message to a group that is not `user.*`
    for event in events:
        item = {"event": event.as_message(), "groups": event.groups}
        for group in dict.fromkeys(event.groups):  # a group named twice hears it once
            index = latest.get(group, -1)
            overtaken = latest_shared if _is_wallet_group(group) else len(batches) - 1
            if index < 0 or overtaken > index or len(batches[index][1]) >= EVENTS_PER_MESSAGE:
                index = latest[group] = len(batches)
                batches.append((group, []))
                if not _is_wallet_group(group):
                    latest_shared = index
            batches[index][1].append(item)
    return batches


def _is_wallet_group(group: str) -> bool:
    return group.startswith(user_group(""))
