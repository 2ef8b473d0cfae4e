"""`/ws/live/`: the browser pages' live channel.

The socket joins the same groups as an agent's (`public`, and for a signed-in
session the wallet's own and its extra groups). For each event it receives, the
fragment renderers registered for that event type render HTML with `hx-swap-oob`,
which the htmx ws extension swaps into the page. Renderers re-read state from the
database instead of trusting the event's payload, so a late or repeated event still
shows what is true now.

A page connects after it was rendered: `?since=<the render time, Unix milliseconds>`
(`data-pm-live-since` on `<body>`) makes the socket first send the fragments of the
events it missed in between, so a bid placed while the page loads still shows."""

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from marketplace.core.hooks import groups_for, wallet_for_socket

from . import relay
from .consumers import PushDispatch
from .events import PUBLIC, user_group
from .selectors import events_created_since

# An event row is stamped when its transaction writes it, which may commit a little
# later, and a page reads some state before its render time: replay from a bit earlier.
REPLAY_MARGIN = timedelta(seconds=10)
# A page rendered longer ago than this replays only this far back (a bound on the work
# one connection can ask for); its reconnect refresh (`pm:refresh`) covers the rest.
REPLAY_LIMIT = timedelta(minutes=2)

_renderers: dict[str, list[Callable]] = defaultdict(list)


def fragment(event_type: str) -> Callable:
    """Register `render(wallet_or_None, data) -> str` for events of `event_type`."""

    def register(render: Callable) -> Callable:
        _renderers[event_type].append(render)
        return render

    return register


def render_event(wallet, event_type: str, data: dict) -> str:
    return "".join(render(wallet, data) for render in _renderers.get(event_type, ()))


def render_missed(wallet, groups: list[str], rendered_at: datetime) -> str:
    """The fragments of the events of `groups` since a page was rendered at
    `rendered_at`, each distinct fragment once (renderers show the current state, so
    ten bids on one job are one bids table)."""
    since = max(rendered_at, timezone.now() - REPLAY_LIMIT) - REPLAY_MARGIN
    fragments: dict[str, None] = {}
    for event in events_created_since(since, groups, _renderers.keys()):
        fragments[render_event(wallet, event.type, event.data)] = None
    return "".join(fragments)


def _rendered_at(scope) -> datetime | None:
    """The `since` of the socket's URL (Unix milliseconds), or None if absent or not
    a number: a page without it simply gets no replay."""
    since = (parse_qs(scope.get("query_string", b"").decode()).get("since") or [""])[0]
    if not since.isdigit() or len(since) > 15:
        return None
    return datetime.fromtimestamp(int(since) / 1000, tz=UTC)


class LiveConsumer(PushDispatch, AsyncWebsocketConsumer):
    async def connect(self):
        self.wallet = await _session_wallet(self.scope.get("session"))
        self.groups = [PUBLIC]
        if self.wallet is not None:
            self.groups += [
                user_group(self.wallet.public_key),
                *await database_sync_to_async(groups_for)(self.wallet),
            ]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        relay.ensure_running()
        await self.accept()
        rendered_at = _rendered_at(self.scope)
        if rendered_at is not None:
            missed = await database_sync_to_async(render_missed)(
                self.wallet, self.groups, rendered_at
            )
            if missed:
                await self.send(text_data=missed)

    async def disconnect(self, code):
        for group in getattr(self, "groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Pages only listen; what htmx sends up is ignored."""

    async def events_forward(self, message):
        """The fragments of a group's events, rendered in one trip to a worker thread
        and sent one frame per event, in order."""
        for html in await database_sync_to_async(self._render)(message["events"]):
            if html:
                await self.send(text_data=html)

    def _render(self, items: list[dict]) -> list[str]:
        return [
            render_event(self.wallet, item["event"]["type"], item["event"]["data"])
            for item in items
        ]


@database_sync_to_async
def _session_wallet(session):
    return wallet_for_socket("session", session) if session is not None else None
