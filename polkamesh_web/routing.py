"""WebSocket routes. `/ws/events/` authenticates agents by token and needs no Origin;
`/ws/live/` (browser pages, session cookie) accepts only same-origin sockets."""

from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from marketplace.realtime.consumers import EventsConsumer
from marketplace.realtime.live import LiveConsumer

websocket_application = URLRouter(
    [
        path("ws/events/", EventsConsumer.as_asgi()),
        path(
            "ws/live/",
            AllowedHostsOriginValidator(SessionMiddlewareStack(LiveConsumer.as_asgi())),
        ),
    ]
)
