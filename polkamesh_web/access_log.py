"""The HTTP access log, written by the application (uvicorn runs with `--no-access-log`).

One line per request on the `polkamesh.access` logger, at INFO for people's requests
and at DEBUG for agents' (token-authenticated) ones, whose polling would bury
everything else. The readings `token` of a query string is a bearer credential: the
log shows `token=[redacted]`, never its value."""

import logging
import re
import time

log = logging.getLogger("polkamesh.access")

_TOKEN = re.compile(r"(^|&)(token=)[^&]*")


def redact(query: str) -> str:
    return _TOKEN.sub(r"\1\2[redacted]", query)


class AccessLog:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        started = time.monotonic()
        status = None

        async def send_and_log(message):
            nonlocal status
            await send(message)
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                _log(scope, status, started)  # the answer is complete

        try:
            await self.application(scope, receive, send_and_log)
        except BaseException:
            if status is None:
                _log(scope, 500, started)
            raise


def _log(scope, status, started: float) -> None:
    query = redact(scope.get("query_string", b"").decode("latin-1"))
    agent = any(name == b"authorization" for name, _ in scope.get("headers", ()))
    client = (scope.get("client") or ("-",))[0]
    log.log(
        logging.DEBUG if agent else logging.INFO,
        '%s "%s %s%s" %s %.0f ms',
        client,
        scope["method"],
        scope["path"],
        f"?{query}" if query else "",
        status,
        (time.monotonic() - started) * 1000,
    )
