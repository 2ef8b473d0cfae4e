"""Same-origin check for the browser socket (`/ws/live/`).

Channels' AllowedHostsOriginValidator compares only the Origin's host name with
ALLOWED_HOSTS, so a page served on another port of the same host (another app, a
dev server) could open a socket with the user's session cookie. This compares the
Origin's scheme, host and port with the request's own: its Host header and its
scheme (https behind a TLS proxy that says so when PM_HTTPS is set)."""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_tuple(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def own_origin(scope: dict) -> tuple[str, str, int] | None:
    headers = dict(scope.get("headers", ()))
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        return None
    secure = scope.get("scheme") in ("wss", "https")
    if settings.PM_HTTPS and headers.get(b"x-forwarded-proto", b"") == b"https":
        secure = True
    return origin_tuple(f"{'https' if secure else 'http'}://{host}")


class SameOriginValidator:
    """Accept the socket only when Origin equals the request's own origin and its
    host is an allowed one; close it (403) otherwise."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", ()))
        origin = origin_tuple(headers.get(b"origin", b"").decode("latin-1"))
        own = own_origin(scope)
        if origin is None or origin != own or not _allowed(own[1]):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def _allowed(hostname: str) -> bool:
    return validate_host(f"[{hostname}]" if ":" in hostname else hostname, settings.ALLOWED_HOSTS)
