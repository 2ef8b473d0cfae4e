"""`/ws/events/?token=…`: JSON events for agents (provider and TEE worker agents, bots).

The consumer only authenticates, joins groups and forwards; what a wallet may hear
is decided by the groups `marketplace.core.hooks` says it belongs to."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import relay
from .events import PUBLIC, user_group
from .hooks import groups_for


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        wallet = await _wallet_for_token(token)
        if wallet is None:
            await self.close(code=4401)
            return
        self.groups = [
            PUBLIC,
            user_group(wallet.public_key),
            *await database_sync_to_async(groups_for)(wallet),
        ]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        relay.ensure_running()
        await self.accept()
        await self.send_json({"type": "hello", "data": {"address": wallet.address}})

    async def disconnect(self, code):
        for group in getattr(self, "groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong", "data": {}})

    async def event_forward(self, message):
        event = message["event"]
        await self.send_json({"id": event["id"], "type": event["type"], "data": event["data"]})


@database_sync_to_async
def _wallet_for_token(token: str):
    from marketplace.wallets.selectors import wallet_for_token

    return wallet_for_token(token)
