"""JSON bodies (and date query parameters) are read strictly, as the OpenAPI document
describes them.

Litestar converts a handler's arguments in msgspec's lax mode, which query strings need
("5" → 5) but which also lets a body through that breaks its schema: a number where a
date-time string belongs becomes a Unix timestamp, a string "1" an integer. This hook
(the API router's ``before_request``) decodes the JSON body once more, strictly, into the
handler's declared type before the handler runs, and refuses a mismatch with the usual
422 ``validation_failed`` problem.
Malformed JSON is left to Litestar's own 400. Query strings stay lenient ("5" → 5), except
that a date or date-time parameter must be written as one (ISO 8601), not as a number.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

import msgspec
from litestar.connection import Request
from litestar.exceptions import ValidationException
from litestar.handlers.base import BaseRouteHandler

_JSON_TYPES = ("application/json",)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_PLAN = "strict_input_plan"
# A JSON \u0000 escape that is not itself an escaped backslash followed by "u0000".
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


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


def _check_query_times(request: Request[Any, Any, Any], times: dict[str, re.Pattern[str]]) -> None:
    for name, pattern in times.items():
        value = request.query_params.get(name)
        if value is not None and not pattern.match(value):
            raise ValidationException(
                extra=[{"message": "must be an ISO 8601 date or date-time", "key": name,
                        "source": "query"}]
            )  # fmt: skip


async def strict_input(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: the body must decode strictly into the handler's ``data``
    type, and date query parameters must be written as dates. (A hook rather than a
    guard: Litestar hands each guard a copy of the handler, on every request.)"""
    plan = _plan(request.route_handler)
    if plan.times and request.scope.get("query_string"):
        _check_query_times(request, plan.times)
    if plan.body_type is None or not _is_json(request):
        return
    body = await request.body()
    if not body:
        return
    if _NUL.search(body):
        # No text the service keeps or sends may hold a NUL character (PostgreSQL's
        # text cannot, and neither can a mail header).
        raise ValidationException(
            extra=[{"message": "text must not contain NUL characters", "source": "body"}]
        )
    try:
        _decoder(plan.body_type).decode(body)
    except msgspec.ValidationError as exc:
        raise ValidationException(
            extra=[{"message": str(exc), "key": "data", "source": "body"}]
        ) from None
    except (msgspec.DecodeError, TypeError):
        # Not JSON (Litestar answers 400), or a type msgspec cannot decode directly
        # (left to Litestar's own conversion).
        return
