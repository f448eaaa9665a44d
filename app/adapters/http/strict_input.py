"""JSON bodies (and query strings) are read strictly, as the OpenAPI document describes
them.

Litestar converts a handler's arguments in msgspec's lax mode, which query strings need
("5" → 5) but which also lets a body through that breaks its schema: a number where a
date-time string belongs becomes a Unix timestamp, a string "1" an integer. This hook
(the API router's ``before_request``) decodes the JSON body once more, strictly, into the
handler's declared type before the handler runs, and refuses a mismatch with the usual
422 ``validation_failed`` problem.

Before any decoding, a body is refused as a 400 ``malformed_request`` when it is not
UTF-8 or is nested deeper than ``MAX_JSON_DEPTH`` (the decoders recurse, and a deep
enough body would exhaust the stack), and as a 422 when it holds a NUL character. Other
malformed JSON is left to Litestar's own 400. Query strings stay lenient ("5" → 5),
except that no parameter may hold a NUL character and a date or date-time parameter must
be written as one (ISO 8601), not as a number.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

import msgspec
from litestar.connection import Request
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers.base import BaseRouteHandler

_JSON_TYPES = ("application/json",)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_PLAN = "strict_input_plan"
# A JSON \u0000 escape that is not itself an escaped backslash followed by "u0000".
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

MAX_JSON_DEPTH = 64


def _nesting_pattern(depth: int) -> re.Pattern[bytes]:
    """Strings and brackets nested at most ``depth`` deep, each level possessive (one
    pass, no backtracking); the input is a body reduced to quotes and brackets."""
    text = r'"[^"]*"'
    level = f"(?:{text})*+"
    for _ in range(depth):
        level = rf"(?:{text}|\[{level}\])*+"
    return re.compile(level.encode())


_NESTING = _nesting_pattern(MAX_JSON_DEPTH)
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'[]{}"')
_SQUARE = bytes.maketrans(b"{}", b"[]")


@lru_cache(maxsize=512)
def _decoder(annotation: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(annotation, strict=True)


def _is_json(request: Request[Any, Any, Any]) -> bool:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type in _JSON_TYPES or content_type.endswith("+json")


class _Plan:
    """What the hook checks for one handler, worked out on its first request."""

    __slots__ = ("body_type", "times")

    def __init__(self, handler: BaseRouteHandler) -> None:
        parameters = handler.parsed_fn_signature.parameters
        data = parameters.get("data")
        self.body_type: Any = data.annotation if data is not None else None
        self.times: dict[str, re.Pattern[str]] = {}
        for name, field in parameters.items():
            kwarg = field.kwarg_definition
            query_name = getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or name
            if field.is_subclass_of(datetime) or field.has_inner_subclass_of(datetime):
                self.times[query_name] = _ISO_DATE_TIME
            elif field.is_subclass_of(date) or field.has_inner_subclass_of(date):
                self.times[query_name] = _ISO_DATE


def _plan(handler: BaseRouteHandler) -> _Plan:
    plan = handler.opt.get(_PLAN)
    if plan is None:
        plan = handler.opt[_PLAN] = _Plan(handler)
    return cast(_Plan, plan)


def _nested_too_deep(body: bytes) -> bool:
    """Whether the JSON ``body`` nests arrays and objects deeper than ``MAX_JSON_DEPTH``
    (or its brackets do not pair up, which makes it malformed anyway)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    # Drop escaped backslashes, then escaped quotes, so that every quote left opens or
    # closes a string; keep only quotes and brackets; and match strings as a whole,
    # so that a bracket inside a string does not count.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = unescaped.translate(_SQUARE, _NOT_STRUCTURE)
    return _NESTING.fullmatch(structure) is None


def refuse_malformed_json(body: bytes) -> None:
    """Refuse a JSON body no decoder should be given: not UTF-8 or nested too deeply
    (400 ``malformed_request``), or holding a NUL character (422)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise ClientException("The body is not valid UTF-8.") from None
    if _nested_too_deep(body):
        raise ClientException(
            f"The body is not well-formed JSON, or is nested more than {MAX_JSON_DEPTH} "
            "levels deep."
        )
    if _NUL.search(body):
        # No text the service keeps or sends may hold a NUL character (PostgreSQL's
        # text cannot, and neither can a mail header).
        raise ValidationException(
            extra=[{"message": "text must not contain NUL characters", "source": "body"}]
        )


def _nul_outside_body(request: Request[Any, Any, Any]) -> bool:
    if "\x00" in request.scope["path"]:
        return True
    raw = request.scope.get("query_string") or b""
    # A NUL reaches a decoded parameter only as a raw byte or as %00: without either,
    # the query need not be parsed here (most requests).
    if b"\x00" not in raw and b"%00" not in raw:
        return False
    return any("\x00" in name or "\x00" in value
               for name, value in request.query_params.multi_items())  # fmt: skip


def _check_query_times(request: Request[Any, Any, Any], times: dict[str, re.Pattern[str]]) -> None:
    for name, pattern in times.items():
        value = request.query_params.get(name)
        if value is not None and not pattern.match(value):
            raise ValidationException(
                extra=[{"message": "must be an ISO 8601 date or date-time", "key": name,
                        "source": "query"}]
            )  # fmt: skip


async def strict_input(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: no NUL character in the path or query, date query
    parameters written as dates, and a body that is sound JSON decoding strictly into the
    handler's ``data`` type. (A hook rather than a guard: Litestar hands each guard a copy
    of the handler, on every request.)"""
    plan = _plan(request.route_handler)
    if _nul_outside_body(request):
        raise ValidationException(
            extra=[{"message": "the path and query must not contain NUL characters",
                    "source": "query"}]
        )  # fmt: skip
    if plan.times and request.scope.get("query_string"):
        _check_query_times(request, plan.times)
    # Litestar reads a ``data`` body as JSON whatever its declared content type.
    if plan.body_type is None and not _is_json(request):
        return
    body = await request.body()
    if not body:
        return
    refuse_malformed_json(body)
    if plan.body_type is None:
        return
    try:
        _decoder(plan.body_type).decode(body)
    except msgspec.ValidationError as exc:
        raise ValidationException(
            extra=[{"message": str(exc), "key": "data", "source": "body"}]
        ) from None
    except RecursionError:  # a backstop: the depth was checked above
        raise ClientException("The body is nested too deeply.") from None
    except (msgspec.DecodeError, TypeError):
        # Not JSON (Litestar answers 400), or a type msgspec cannot decode directly
        # (left to Litestar's own conversion).
        return
