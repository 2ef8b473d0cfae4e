"""WebSocket routes. `/ws/events/` authenticates agents by token and needs no Origin;
`/ws/live/` (browser pages, session cookie) accepts only same-origin sockets (scheme,
host and port: polkamesh_web/origin.py)."""

from channels.routing import URLRouter
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from marketplace.realtime.consumers import EventsConsumer
from marketplace.realtime.live import LiveConsumer
from polkamesh_web.origin import SameOriginValidator

websocket_application = URLRouter(
    [
        path("ws/events/", EventsConsumer.as_asgi()),
        path(
            "ws/live/",
            SameOriginValidator(SessionMiddlewareStack(LiveConsumer.as_asgi())),
        ),
    ]
)
