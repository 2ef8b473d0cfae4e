"""The table of signed actions: action name → params serializer → handler.

Each domain app declares its actions in its `actions.py` with `@signed_action(...)`.
The API (one generic view per route) and the htmx pages both execute actions through
this table, so the two paths can never drift apart."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
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
    # The handler's answer and the `action_id` the table adds to it (for the schema).
    result: type[serializers.Serializer] = serializers.Serializer
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
    result_name: str = "",
    secret_fields: tuple[str, ...] = (),
):
    """Register `handler(actor, params, ctx) -> dict | Reply` as the signed action `name`.

    `response` is the serializer of the handler's answer. Every answer also carries the
    `action_id` the executor adds; the schema documents both as one component, named
    `result_name` or else after `response` (`JobSerializer` or `JobResult` → `JobResult`;
    no `response` → `{name}_result`)."""
    if response is None:
        result = with_action_id(serializers.Serializer, result_name or f"{name}_result")
    else:
        base = response.__name__.removesuffix("Serializer").removesuffix("Result")
        result = with_action_id(response, result_name or f"{base}Result")

    def register(handler: Callable[..., dict]) -> Callable[..., dict]:
        if name in REGISTRY:
            raise RuntimeError(f"signed action {name!r} is registered twice")
        REGISTRY[name] = ActionSpec(
            name, params, handler, status, url_params, result, secret_fields
        )
        return handler

    return register


@cache
def with_action_id(
    answer: type[serializers.Serializer], component: str
) -> type[serializers.Serializer]:
    """`answer` with the audit record's `action_id`, named `component` in the schema:
    one class for each pair, so the actions that answer alike share one component."""
    attrs: dict[str, Any] = {
        "__module__": answer.__module__,
        "action_id": serializers.IntegerField(read_only=True),
    }
    fields = getattr(getattr(answer, "Meta", None), "fields", None)
    if fields is not None:  # a ModelSerializer lists the fields it renders
        attrs["Meta"] = type("Meta", (answer.Meta,), {"fields": [*fields, "action_id"]})
    return type(component, (answer,), attrs)


class NoParams(serializers.Serializer):
    """For actions whose params are `{}`."""
