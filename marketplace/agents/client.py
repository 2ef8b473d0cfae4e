"""A small client of the PolkaMesh API (API.md) for agents: signed actions that are
safe to retry, token reads, and the `/ws/events/` stream with reconnection.

No Django here: an agent is an ordinary HTTP client of the server, like a browser."""

import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime

import requests

from marketplace.core.canonical import canonical_json

log = logging.getLogger("polkamesh.agents")

RETRY_STATUSES = {429, 500, 502, 503, 504}
CONNECTED = "agent.connected"  # the listener's own event: (re)connected, resync now


class ApiError(Exception):
    """An answer with API.md's error shape (or an unexpected non-JSON one)."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


class Signer:
    """A wallet key that builds and signs API.md's action envelopes. substrate-interface
    is imported only when a key is made (it costs ≈ 0.5 s)."""

    def __init__(self, keypair):
        self.keypair = keypair

    @classmethod
    def from_uri(cls, uri: str) -> "Signer":
        from substrateinterface import Keypair

        return cls(Keypair.create_from_uri(uri))

    @classmethod
    def from_mnemonic(cls, mnemonic: str) -> "Signer":
        from substrateinterface import Keypair

        return cls(Keypair.create_from_mnemonic(mnemonic.strip()))

    @property
    def address(self) -> str:
        return self.keypair.ss58_address

    def payload(self, action: str, params: dict, *, domain: str, nonce: str) -> str:
        obj = {
            "action": action,
            "address": self.address,
            "domain": domain,
            "nonce": nonce,
            "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "params": params,
        }
        return canonical_json(obj)

    def sign(self, message: str | bytes) -> str:
        data = message.encode() if isinstance(message, str) else message
        return "0x" + self.keypair.sign(data).hex()


class Client:
    """HTTP calls with retries. A signed action is retried with the SAME payload (same
    nonce): the server answers a replay with its first response, so a retry after a
    lost answer never runs the action twice.

    `journal` (nonce → payload), when given, keeps payloads across restarts: a restarted
    agent re-sends the very payload it may already have sent."""

    def __init__(
        self,
        base_url: str,
        signer: Signer,
        *,
        retry_for: float = 120.0,
        timeout: float = 15.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.signer = signer
        self.retry_for = retry_for
        self.timeout = timeout
        self.session = requests.Session()
        self.token: str | None = None
        self._config: dict | None = None
        self._login_lock = threading.Lock()

    # --- plumbing ----------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request, retried on network errors, 429 and 5xx with backoff until
        `retry_for` seconds have passed (a server restart is a few seconds of refusals)."""
        deadline = time.monotonic() + self.retry_for
        delay = 0.25
        while True:
            try:
                response = self.session.request(
                    method, self.base_url + path, timeout=self.timeout, **kwargs
                )
                if response.status_code not in RETRY_STATUSES:
                    return response
                reason = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                reason = type(exc).__name__
            if time.monotonic() + delay > deadline:
                raise ApiError(0, "unreachable", f"{method} {path}: {reason}")
            log.warning("%s %s: %s; retrying in %.1fs", method, path, reason, delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)

    @staticmethod
    def _body(response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if not isinstance(error, dict):
                raise ApiError(response.status_code, "http_error", response.text[:200])
            raise ApiError(
                response.status_code,
                error.get("code", ""),
                error.get("message", ""),
                error.get("fields"),
            )
        return body

    # --- reads ---------------------------------------------------------------------------

    def config(self) -> dict:
        if self._config is None:
            self._config = self._body(self._request("GET", "/api/config"))
        return self._config

    def whole(self, amount: int | str, asset: str) -> str:
        """`15000000000`, DOT → `0.5 DOT` by the service's decimals: amounts for people
        reading the log."""
        decimals = {a["code"]: a["decimals"] for a in self.config()["assets"]}[asset]
        units, fraction = divmod(int(amount), 10**decimals)
        text = f"{units}.{fraction:0{decimals}d}".rstrip("0").rstrip(".")
        return f"{text} {asset}"

    def _authorized_get(self, path: str, **params) -> requests.Response:
        """GET with the API token; signs in again once if the token was refused."""
        if self.token is None:
            self.login()
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token}"}
            response = self._request("GET", path, params=params, headers=headers)
            if response.status_code == 401 and attempt == 1:
                self.login()
                continue
            return response
        raise AssertionError("unreachable")

    def get(self, path: str, **params) -> dict:
        return self._body(self._authorized_get(path, **params))

    def download(self, path: str) -> bytes:
        """The raw bytes of a GET (an artifact's content); ApiError for an error answer."""
        response = self._authorized_get(path)
        if response.status_code >= 400:
            self._body(response)  # raises the API error
        return response.content

    def get_all(self, path: str, **params) -> list[dict]:
        """Every item of a paginated list (`{count, next, previous, results}`)."""
        items, page = [], 1
        while True:
            body = self.get(path, **params, page=page)
            items.extend(body["results"])
            if not body.get("next"):
                return items
            page += 1

    # --- signed actions ------------------------------------------------------------------

    def post_action(
        self,
        path: str,
        action: str,
        params: dict,
        *,
        nonce: str | None = None,
        journal: MutableMapping[str, str] | None = None,
    ) -> tuple[dict, bool]:
        """Send a signed action; (response body, replayed). Transient failures retry the
        same payload. If the server calls it stale, it never ran (a replay is answered
        before freshness is checked), so the same nonce is signed again with a fresh
        `issued_at`."""
        nonce = nonce or secrets.token_urlsafe(24)
        payload = journal.get(nonce) if journal is not None else None
        for attempt in (1, 2):
            if payload is None:
                payload = self.signer.payload(
                    action, params, domain=self.config()["domain"], nonce=nonce
                )
                if journal is not None:
                    journal[nonce] = payload  # written before it is sent
            body = {"payload": payload, "signature": self.signer.sign(payload)}
            response = self._request("POST", path, json=body)
            try:
                result = self._body(response)
            except ApiError as exc:
                if exc.code == "stale_request" and attempt == 1:
                    payload = None
                    continue
                raise
            return result, response.headers.get("Idempotent-Replayed") == "true"
        raise AssertionError("unreachable")

    def decline_job(
        self,
        job_id: int,
        reason: str,
        *,
        nonce: str | None = None,
        journal: MutableMapping[str, str] | None = None,
    ) -> dict:
        """Say why this provider will not bid on job `job_id`, or, assigned to it, cannot
        finish it (the job goes back to bidding or is refunded; after a start the
        provider is slashed). `reason` is shown to the job's owner: at most 500
        characters, longer ones are cut. Returns the job."""
        params = {"job_id": job_id, "reason": reason.strip()[:500] or "no reason given"}
        job, _ = self.post_action(
            f"/api/jobs/{job_id}/decline", "decline_job", params, nonce=nonce, journal=journal
        )
        return job

    def login(self) -> str:
        """Sign in (a fresh nonce each time: a replayed login carries no token)."""
        with self._login_lock:
            body, _ = self.post_action("/api/auth/login", "login", {})
            self.token = body["token"]
            return self.token

    # --- events --------------------------------------------------------------------------

    def events_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http") + "/ws/events/"

    def listen(self, *, stop: threading.Event | None = None) -> "EventListener":
        listener = EventListener(self, stop=stop or threading.Event())
        listener.start()
        return listener


class EventListener(threading.Thread):
    """Reads `/ws/events/` into `self.events` (a queue of `{type, data}`), reconnecting
    with exponential backoff. A reconnect asks for the events it missed (`since=` the
    last event id it saw), and every (re)connect puts a `CONNECTED` event first so the
    consumer can also re-read state over HTTP."""

    def __init__(self, client: Client, *, stop: threading.Event):
        super().__init__(name="events", daemon=True)
        self.client = client
        self.stop = stop
        self.events: queue.Queue[dict] = queue.Queue()
        self.connections = 0
        self.last_event_id: int | None = None

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed, InvalidStatus
        from websockets.sync.client import connect

        delay = 0.5
        while not self.stop.is_set():
            try:
                token = self.client.token or self.client.login()
                url = f"{self.client.events_url()}?token={token}"
                if self.last_event_id is not None:
                    url += f"&since={self.last_event_id}"
                with connect(url, origin=self.client.base_url, open_timeout=10) as socket:
                    hello = json.loads(socket.recv(timeout=10))
                    if hello.get("type") != "hello":
                        raise ConnectionError(f"expected hello, got {hello!r}")
                    self.connections += 1
                    delay = 0.5
                    log.debug("events: connected (%d)", self.connections)
                    self.events.put({"type": CONNECTED, "data": hello.get("data", {})})
                    self._read(socket)
            except InvalidStatus as exc:
                # A refused token closes the socket before the handshake: an HTTP 403.
                if exc.response.status_code == 403:
                    self.client.token = None
                log.warning("events: %s", exc)
            except (ConnectionClosed, OSError, TimeoutError, ApiError, ValueError) as exc:
                log.warning("events: %s", exc)
            if self.stop.wait(delay):
                return
            delay = min(delay * 2, 30.0)

    def _read(self, socket) -> None:
        while not self.stop.is_set():
            try:
                message = socket.recv(timeout=1)
            except TimeoutError:
                continue
            event = json.loads(message)
            if isinstance(event, dict) and isinstance(event.get("type"), str):
                if isinstance(event.get("id"), int):
                    self.last_event_id = max(self.last_event_id or 0, event["id"])
                self.events.put(event)
