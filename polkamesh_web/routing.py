"""WebSocket routes. `/ws/events/` authenticates agents by token and needs no Origin;
`/ws/live/` (browser pages) is added with the UI and keeps the same-origin check."""

from channels.routing import URLRouter
from django.urls import path

from marketplace.core.consumers import EventsConsumer

websocket_application = URLRouter([path("ws/events/", EventsConsumer.as_asgi())])
