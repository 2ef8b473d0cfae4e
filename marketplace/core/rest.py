"""Shared API plumbing: the one exception handler, pagination, the fields every app
uses for amounts and addresses, and the mixin of a path that both reads and takes a
signed action."""

import copy
import functools
import logging
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions as drf
from rest_framework import parsers, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ledger.errors import LedgerError
from ledger.fields import MAX_AMOUNT

from . import errors, jsontext
from .identity import InvalidAddress, public_key_from_address

log = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """API.md's error shape."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(code: str, message: str, status: int, fields: dict | None = None) -> Response:
    return Response(error_body(code, message, fields), status=status)


# DRF's default messages, by the field class that words them and their code, and the
# sentence a person reads instead ("Ensure this value is greater than or equal to 1." →
# "Enter 1 or more."). Only the wording changes: codes and the error's shape stay API.md's.
# Messages the project wrote itself (services, AmountField) are sentences already and
# pass unchanged.
_DRF_SENTENCES = [
    (serializers.Field, "required", "Fill this in."),
    (serializers.Field, "null", "Fill this in."),
    (serializers.CharField, "blank", "Fill this in."),
    (serializers.CharField, "invalid", "Enter text here."),
    (serializers.CharField, "max_length", "Shorten this to {max_length} characters or fewer."),
    (serializers.CharField, "min_length", "Write at least {min_length} characters."),
    (serializers.IntegerField, "invalid", "Enter a whole number, such as 3."),
    (serializers.IntegerField, "min_value", "Enter {min_value} or more."),
    (serializers.IntegerField, "max_value", "Enter {max_value} or less."),
    (serializers.IntegerField, "max_string_length", "That number is too long."),
    (serializers.FloatField, "invalid", "Enter a number, such as 1.5."),
    (serializers.DecimalField, "invalid", "Enter a number, such as 1.5."),
    (serializers.BooleanField, "invalid", "Choose yes or no."),
    (serializers.ChoiceField, "invalid_choice", "Choose one of the options offered."),
    (serializers.ListField, "not_a_list", "Give a list here."),
    (serializers.ListField, "empty", "Give at least one."),
    (serializers.ListField, "min_length", "Give at least {min_length}."),
    (serializers.ListField, "max_length", "Give at most {max_length}."),
    (serializers.DictField, "not_a_dict", "Give named values here."),
    (serializers.DateTimeField, "invalid", "Enter a date and time such as 2026-12-03T12:00Z."),
    (serializers.JSONField, "invalid", "This is not valid JSON."),
    (serializers.Serializer, "invalid", "Give named values here."),
]


def _pattern(template: str) -> re.Pattern:
    """DRF's `"Ensure this value is greater than or equal to {min_value}."` as a regex
    that captures `min_value`."""
    parts = re.split(r"\{(\w+)\}", str(template))
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"{regex}$")


@functools.cache
def _drf_wording() -> dict[str, list[tuple[re.Pattern, str]]]:
    """{code: [(DRF's wording, sentence)]}, built once the translations are loaded."""
    table: dict[str, list[tuple[re.Pattern, str]]] = {}
    for field_class, code, sentence in _DRF_SENTENCES:
        template = field_class.default_error_messages[code]
        table.setdefault(code, []).append((_pattern(template), sentence))
    return table


def for_people(message) -> str:
    """A DRF default message as a sentence about what the person did; any other as is."""
    text = str(message)
    for pattern, sentence in _drf_wording().get(getattr(message, "code", ""), ()):
        if match := pattern.match(text):
            return sentence.format(**match.groupdict())
    return text


def _flatten(detail) -> dict:
    """DRF's nested ValidationError detail → {"field": "first message", "a.b": ...}."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            inner = _flatten(value)
            if isinstance(inner, dict) and inner:
                for sub, msg in inner.items():
                    flat[f"{key}.{sub}" if sub != "" else key] = msg
            else:
                flat[key] = str(inner)
        return flat
    if isinstance(detail, list):
        if detail and all(not isinstance(d, (dict, list)) for d in detail):
            return {"": for_people(detail[0])}
        flat = {}
        for index, value in enumerate(detail):
            for sub, msg in _flatten(value).items():
                flat[f"{index}.{sub}" if sub else str(index)] = msg
        return flat
    return {"": for_people(detail)}


def exception_handler(exc, context):
    """Every error leaves as API.md's shape; unknown exceptions stay 500s (bugs)."""
    if isinstance(exc, (errors.ApiError, LedgerError)):
        return error_response(exc.code, exc.message, exc.status, exc.fields)
    if isinstance(exc, drf.ValidationError):
        fields = _flatten(exc.detail)
        message = (
            fields.pop("", None)
            or fields.pop("non_field_errors", None)
            or "Please correct the marked fields."
        )
        return error_response("invalid_params", message, 400, fields)
    if isinstance(exc, (drf.ParseError, drf.UnsupportedMediaType)):
        return error_response("invalid_params", str(exc.detail), 400)
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE (PM_MAX_BODY_BYTES)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response("invalid_params", f"The request body is over {limit} bytes.", 400)
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return error_response("not_authenticated", str(exc.detail), 401)
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return error_response("forbidden", "You may not do this.", 403)
    if isinstance(exc, (drf.NotFound, Http404)):
        return error_response("not_found", "Not found.", 404)
    if isinstance(exc, drf.MethodNotAllowed):
        return error_response("method_not_allowed", str(exc.detail), 405)
    if isinstance(exc, drf.NotAcceptable):
        return error_response("not_acceptable", str(exc.detail), 406)
    if isinstance(exc, drf.Throttled):
        response = error_response("rate_limited", "Too many requests; slow down.", 429)
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response
    if isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", exc)
        return Response(UNAVAILABLE, status=503, headers={"Retry-After": "1"})
    return None


# The database went away mid-request (restart, failover, a terminated backend). Not a
# client error: the same request may be sent again (a signed action's nonce makes it
# run at most once, even if its commit got through). core.views.server_error answers
# the same when it happens outside the API's views (in a middleware).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE = error_body("unavailable", "The service is briefly unavailable; retry shortly.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on the one JSON reader (core/jsontext.py): deep nesting,
    NaN, NUL, lone surrogates and duplicate keys are a 400, not a 500 later."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return jsontext.loads(stream.read().decode(encoding))
        except (UnicodeDecodeError, jsontext.JSONTextError) as exc:
            raise drf.ParseError(f"JSON parse error - {exc}") from exc


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SignedPostMixin:
    """For a path whose GET is a read and whose POST is a signed action (GET /api/jobs
    lists, POST /api/jobs is `submit_job`): the POST is handed to the signed action's own
    view, which authenticates it by its signature alone (no session, hence no CSRF check)
    and applies the rate limits once."""

    def _posting(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema is generated
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        return [] if self._posting() else super().get_authenticators()

    def get_throttles(self):
        return [] if self._posting() else super().get_throttles()


class FieldsBuiltOnce:
    """For a ModelSerializer: build its fields from the model once per class and give
    each instance a copy. DRF introspects the model again for every instance, which was
    most of the CPU of rendering a job (a millisecond, on every job a request answers).
    A copy is what DRF gives each instance of its declared fields too."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


_INTEGER = re.compile(r"[0-9]{1,39}")


@extend_schema_field({"type": "string", "pattern": "^[0-9]{1,39}$", "example": "15000000000"})
class AmountField(serializers.Field):
    """An amount as a decimal string of an integer in the smallest unit ("15000000000").
    JSON numbers, floats, signs, exponents and leading/trailing blanks are refused."""

    default_error_messages = {
        "invalid": "Send the amount as a string of digits in the asset's smallest unit.",
        "positive": "The amount must be greater than zero.",
        "too_large": "The amount has more than 39 digits.",
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        if not isinstance(data, str):
            self.fail("invalid")
        if len(data) > 39 and data.isdigit():
            self.fail("too_large")
        if not _INTEGER.fullmatch(data):
            self.fail("invalid")
        value = int(data)
        if value > MAX_AMOUNT:
            self.fail("too_large")
        if value == 0 and not self.allow_zero:
            self.fail("positive")
        return value

    def to_representation(self, value) -> str:
        return str(int(value))


class AddressField(serializers.CharField):
    """An SS58 address of any network prefix; validated to the 32-byte public key (hex)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        text = super().to_internal_value(data)
        try:
            return public_key_from_address(text)
        except InvalidAddress as exc:
            raise serializers.ValidationError("Not a valid SS58 address.") from exc


ERROR_CODES = {
    400: "invalid_params",
    401: "bad_signature, stale_request, wrong_domain, not_authenticated",
    403: "forbidden, data_access_required",
    404: "not_found",
    409: "invalid_state, insufficient_funds, below_minimum, replayed_nonce, duplicate, "
    "deadline_passed, window_closed",
    429: "rate_limited",
    503: "unavailable",
}
ERROR_RESPONSES = {
    status: OpenApiResponse(description=codes) for status, codes in ERROR_CODES.items()
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def declare_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: any operation may answer with API.md's
    errors, so every one declares them all, with the error body's schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, codes in ERROR_CODES.items():
                responses.setdefault(str(status), {"description": codes})["content"] = body
    return result
