"""`/ws/events/?token=…[&since=<event id>]`: JSON events for agents (provider and TEE
worker agents, bots).

The consumer only authenticates, joins groups and forwards; what a wallet may hear
is decided by the groups `marketplace.core.hooks` say it belongs to. With `since`,
the events of those groups after that id are replayed from the outbox first (a
client that lost pushes or its connection catches up), then live ones follow; an
event both replayed and pushed live is sent once."""

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from marketplace.core import jsontext
from marketplace.core.hooks import groups_for, wallet_for_socket

from . import relay
from .events import PUBLIC, is_shared, user_group
from .fanout import shared_fanout
from .selectors import events_since

MAX_EVENT_ID = 2**63 - 1  # outbox ids are PostgreSQL bigints


class PushDispatch:
    """channels closes stale database connections before every message it dispatches, a
    thread-pool hop per socket per push: with 1,000 sockets the largest cost of a
    broadcast. `events_forward` handlers skip it; what they read from the database goes
    through `database_sync_to_async`, which closes stale connections itself.

    A socket is closed after PM_WEBSOCKET_MAX_AGE_SECONDS: channels-redis forgets a group
    member a day after it joined (`group_expiry`), so the client reconnects, joins again
    and catches up (the web server, uvicorn, has no age limit of its own)."""

    async def websocket_connect(self, message):
        self._too_old = asyncio.get_running_loop().call_later(
            settings.PM_WEBSOCKET_MAX_AGE_SECONDS, lambda: asyncio.create_task(self.close())
        )
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message):
        self._too_old.cancel()
        await super().websocket_disconnect(message)

    async def dispatch(self, message):
        if message["type"] == "events.forward":
            await self.events_forward(message)
        else:
            await super().dispatch(message)


class EventsConsumer(PushDispatch, AsyncJsonWebsocketConsumer):
    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        since = (query.get("since") or [""])[0]
        wallet = await _wallet_for_token(token)
        if wallet is None:
            await self.close(code=4401)
            return
        if since and not (since.isdigit() and int(since) <= MAX_EVENT_ID):
            await self.close(code=4400)
            return
        self.groups = [
            PUBLIC,
            user_group(wallet.public_key),
            *await database_sync_to_async(groups_for)(wallet),
        ]
        self.replayed: set[int] = set()
        # Events of shared groups that arrive before the replay below was read wait here.
        self.held: list[tuple[int, str]] | None = []
        # Join before reading the outbox: an event committed in between is then either
        # replayed or pushed live (or both, and `self.replayed` drops the second copy).
        # Shared groups reach the socket through the process's fan-out (fanout.py).
        for group in self._own_groups():
            await self.channel_layer.group_add(group, self.channel_name)
        await shared_fanout.register(self, [group for group in self.groups if is_shared(group)])
        relay.ensure_running()
        await self.accept()
        await self.send_json({"type": "hello", "data": {"address": wallet.address}})
        missed = (
            await database_sync_to_async(events_since)(int(since), self.groups) if since else []
        )
        self.replayed = {event.pk for event in missed}
        for event in missed:
            await self._send_event(event.as_message())
        held, self.held = self.held, None
        for event_id, text in held:
            await self.push_shared(event_id, text)

    def _own_groups(self) -> list[str]:
        """The groups this socket is a member of itself (per wallet, not shared)."""
        return [group for group in getattr(self, "groups", []) if not is_shared(group)]

    async def disconnect(self, code):
        shared_fanout.unregister(self)
        for group in self._own_groups():
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Agents may ping. Anything else that is not a JSON object gets an error
        message, and the socket stays open (the library would close it with 1011)."""
        try:
            content = jsontext.loads(text_data) if text_data is not None else None
        except jsontext.JSONTextError as exc:
            content, problem = None, str(exc)
        else:
            problem = 'Send a JSON object such as {"type": "ping"}.'
        if not isinstance(content, dict):
            await self.send_json(
                {"type": "error", "data": {"code": "invalid_params", "message": problem}}
            )
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong", "data": {}})

    async def events_forward(self, message):
        """Events of the socket's own group, one frame each, in order."""
        for item in message["events"]:
            event = item["event"]
            if self._hears_shared(item["groups"]) or self._seen_in_replay(event["id"]):
                continue  # the fan-out brings it (or the replay did)
            await self._send_event(event)

    def _hears_shared(self, groups) -> bool:
        """Whether the event is in a shared group of this socket's, so that the fan-out
        pushes it here too."""
        return any(is_shared(group) and group in self.groups for group in groups)

    async def push_shared(self, event_id: int, text: str) -> None:
        """An event of a shared group, already encoded by the fan-out."""
        if self.held is not None:
            self.held.append((event_id, text))
        elif not self._seen_in_replay(event_id):
            await self.send(text_data=text)

    def _seen_in_replay(self, event_id: int) -> bool:
        if event_id in self.replayed:
            self.replayed.discard(event_id)
            return True
        return False

    async def _send_event(self, event: dict) -> None:
        await self.send_json({"id": event["id"], "type": event["type"], "data": event["data"]})


@database_sync_to_async
def _wallet_for_token(token: str):
    return wallet_for_socket("token", token)
