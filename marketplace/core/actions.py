"""The table of signed actions: action name → params serializer → handler.

Each domain app declares its actions in its `actions.py` with `@signed_action(...)`.
The API (one generic view per route) and the htmx pages both execute actions through
this table, so the two paths can never drift apart."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rest_framework import serializers


@dataclass(frozen=True)
class ActionContext:
    """What a handler knows besides its params: the audit record's id, an idempotency
    key derived from the signed nonce, and the HTTP request (for sessions)."""

    action_id: int
    idempotency_key: str
    request: Any = None


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: type[serializers.Serializer]
    handler: Callable[..., dict]
    status: int = 200
    url_params: tuple[str, ...] = ()
    response: type[serializers.Serializer] | None = None
    # Response fields returned once but never stored for replays (e.g. an API token).
    secret_fields: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Reply:
    """A handler's answer with another status than its action's usual one (an upload
    of bytes already stored answers 200 where a new one answers 201)."""

    body: dict
    status: int


REGISTRY: dict[str, ActionSpec] = {}


def signed_action(
    name: str,
    *,
    params: type[serializers.Serializer],
    status: int = 200,
    url_params: tuple[str, ...] = (),
    response: type[serializers.Serializer] | None = None,
    secret_fields: tuple[str, ...] = (),
):
    """Register `handler(actor, params, ctx) -> dict | Reply` as the signed action `name`."""

    def register(handler: Callable[..., dict]) -> Callable[..., dict]:
        if name in REGISTRY:
            raise RuntimeError(f"signed action {name!r} is registered twice")
        REGISTRY[name] = ActionSpec(
            name, params, handler, status, url_params, response, secret_fields
        )
        return handler

    return register


class NoParams(serializers.Serializer):
    """For actions whose params are `{}`."""
