"""`/ws/live/`: the browser pages' live channel.

The socket joins the same groups as an agent's (`public`, and for a signed-in
session the wallet's own and its extra groups). For each event it receives, the
fragment renderers registered for that event type render HTML with `hx-swap-oob`,
which the htmx ws extension swaps into the page. Renderers re-read state from the
database instead of trusting the event's payload, so a late or repeated event still
shows what is true now."""

from collections import defaultdict
from collections.abc import Callable

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from marketplace.core.hooks import groups_for, wallet_for_socket

from . import relay
from .consumers import PushDispatch
from .events import PUBLIC, user_group

_renderers: dict[str, list[Callable]] = defaultdict(list)


def fragment(event_type: str) -> Callable:
    """Register `render(wallet_or_None, data) -> str` for events of `event_type`."""

    def register(render: Callable) -> Callable:
        _renderers[event_type].append(render)
        return render

    return register


def render_event(wallet, event_type: str, data: dict) -> str:
    return "".join(render(wallet, data) for render in _renderers.get(event_type, ()))


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

    async def disconnect(self, code):
        for group in getattr(self, "groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Pages only listen; what htmx sends up is ignored."""

    async def event_forward(self, message):
        event = message["event"]
        html = await database_sync_to_async(render_event)(self.wallet, event["type"], event["data"])
        if html:
            await self.send(text_data=html)


@database_sync_to_async
def _session_wallet(session):
    return wallet_for_socket("session", session) if session is not None else None
