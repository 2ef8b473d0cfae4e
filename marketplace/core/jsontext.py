"""The one reader of JSON a client sends: request bodies (DRF's parser), the signed
payload inside an envelope, and WebSocket messages all come through `loads`.

What it refuses would otherwise surface later as a 500: nesting deep enough to
exhaust the parser's recursion, NaN/Infinity (and numbers like 1e999 that overflow
to it), NUL characters and lone surrogates (PostgreSQL's text and jsonb refuse all
of these), and duplicate keys (last-wins would let two readers of one payload see
different values). `check_storable` is the same check for a value built otherwise,
and `StorableJSONField` is the serializer field for every free-form JSON param."""

import json
import math

from rest_framework import serializers

MAX_DEPTH = 32


class JSONTextError(ValueError):
    """The text is not JSON this service accepts; the message says why."""


def loads(text: str | bytes) -> object:
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except JSONTextError:
        raise
    except RecursionError as exc:
        raise JSONTextError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise JSONTextError(f"Not valid JSON: {exc}") from exc
    check_storable(value)
    return value


def check_storable(value: object) -> None:
    """JSONTextError unless `value` can be stored as jsonb and read back the same."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONTextError("NaN and Infinity are not JSON numbers.")
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise JSONTextError(f"JSON nested deeper than {MAX_DEPTH} levels.")
            if isinstance(item, dict):
                for key in item:
                    if isinstance(key, str):
                        _check_text(key)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise JSONTextError("Text may not contain NUL (\\u0000) characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JSONTextError("Text may not contain lone surrogates (\\ud800-\\udfff).") from exc


def _object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONTextError(f"The key {key!r} appears twice in one object.")
            seen.add(key)
    return obj


def _constant(name: str) -> None:
    raise JSONTextError(f"{name} is not a JSON number.")


class StorableJSONField(serializers.JSONField):
    """Free-form JSON that PostgreSQL's jsonb will take (see `check_storable`)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            check_storable(value)
        except JSONTextError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value
