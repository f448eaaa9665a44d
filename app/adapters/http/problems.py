"""RFC 9457 problem details: the one place where failures become HTTP answers.

Every error response is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail``, a stable machine ``code`` and the ``request_id``; validation
failures add ``errors[]`` with the field path. No stack trace, SQL or personal data
ever reaches the client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import msgspec
import psycopg
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from psycopg_pool import PoolTimeout

from app.adapters.http.pagination import InvalidCursor
from app.application.assistants.ports import AssistantUnavailable
from app.domain.errors import (
    Conflict,
    ConsentRequired,
    DomainError,
    Forbidden,
    InvalidState,
    NotFound,
    TransientConflict,
    ValidationFailed,
    VersionConflict,
)
from app.domain.identity.errors import AccountBlocked, AuthenticationFailed, RateLimited
from app.domain.payments.model import PaymentProviderUnavailable

logger = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:emotional-balance:problem:"

# Codes for plain HTTP errors raised by the framework (routing, parsing, limits).
_HTTP_CODES: Mapping[int, str] = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

# Domain errors → HTTP status. Later contexts add their errors here, one line each.
# A subclass takes the status of its nearest listed ancestor; unlisted errors are 422.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    AuthenticationFailed: 401,
    AccountBlocked: 403,
    RateLimited: 429,
    PaymentProviderUnavailable: 503,
    AssistantUnavailable: 503,
    NotFound: 404,
    Forbidden: 403,
    ConsentRequired: 403,
    ValidationFailed: 422,
    InvalidCursor: 400,
    InvalidState: 409,
    Conflict: 409,
    VersionConflict: 412,
}


class FieldError(msgspec.Struct, frozen=True):
    """One invalid input: where it is and what is wrong with it."""

    field: str
    message: str
    source: str | None = None


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """The body of every error response (RFC 9457 plus ``code`` and ``request_id``)."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


def _request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def problem_response(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[Problem]:
    """Build a problem+json response; the single constructor every handler uses."""
    body = Problem(
        type=f"{TYPE_PREFIX}{code}",
        title=title or HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        request_id=_request_id(),
        errors=errors,
    )
    return Response(
        content=body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


# msgspec names the failing location as "... - at `$.a.b`" or "... field `x`".
_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_FIELD = re.compile(r"field `([^`]+)`")


def _field_error(item: Mapping[str, Any]) -> FieldError:
    message = str(item.get("message", "invalid value"))
    field = str(item.get("key") or "")
    at_path = _AT_PATH.search(message)
    named = _FIELD.search(message)
    if at_path:
        message = message[: at_path.start()]
        field = at_path.group(1) or field
        if named:
            field = f"{field}.{named.group(1)}"
    elif named and field in ("", "data"):
        field = named.group(1)
    source = item.get("source")
    return FieldError(field=field or "$", message=message, source=str(source) if source else None)


def _validation_errors(extra: Any) -> list[FieldError]:
    if not isinstance(extra, list):
        return []
    return [_field_error(item) for item in extra if isinstance(item, Mapping)]


def handle_validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = _validation_errors(exc.extra)
    fields = [e.field for e in errors]
    logger.info("request_rejected", error_code="validation_failed", fields=fields)
    return problem_response(
        422, "validation_failed", "The request has invalid or unknown fields.", errors=errors
    )


def handle_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    code = _HTTP_CODES.get(status, "http_error")
    passed_on = ("allow", "retry-after")
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() in passed_on}
    reset = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("ratelimit-reset")
    if status == 429 and reset is not None:
        headers["Retry-After"] = reset
    detail = exc.detail if status < 500 and exc.detail != HTTPStatus(status).phrase else None
    if status == 404:
        detail = "Nothing is here."
    elif status == 405:
        detail = "This method is not allowed here."
    if status >= 500:
        logger.error("http_error", status=status, error_code=code)
    return problem_response(status, code, detail, headers=headers)


def handle_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next((DOMAIN_STATUS[cls] for cls in type(exc).__mro__ if cls in DOMAIN_STATUS), 422)
    logger.info("domain_error", error_code=exc.code, status=status)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    errors = [FieldError(field=exc.field, message=exc.detail)] if exc.field else None
    return problem_response(
        status, exc.code, exc.detail, title=exc.title, headers=headers, errors=errors
    )


def handle_integrity_error(
    _: Request[Any, Any, Any], exc: psycopg.errors.IntegrityError
) -> Response[Problem]:
    # A repository should have turned this into a domain error; answer 409, not 500.
    constraint = exc.diag.constraint_name
    logger.warning("unmapped_constraint_violation", constraint=constraint, sqlstate=exc.sqlstate)
    return problem_response(409, "conflict", "The request conflicts with existing data.")


def handle_data_error(_: Request[Any, Any, Any], exc: psycopg.DataError) -> Response[Problem]:
    # A value the database cannot take (a NUL character in text, a number out of range)
    # that no check above the database caught: the input is at fault, not the service.
    logger.warning("database_refused_value", sqlstate=exc.sqlstate, error_type=type(exc).__name__)
    return problem_response(422, "validation_failed", "A value in the request cannot be stored.")


def handle_database_unavailable(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    logger.error("database_unavailable", error_type=type(exc).__name__)
    return problem_response(
        503,
        "service_unavailable",
        "The service is temporarily unavailable. Please retry shortly.",
        headers={"Retry-After": "5"},
    )


def handle_transient(_: Request[Any, Any, Any], exc: TransientConflict) -> Response[Problem]:
    logger.warning("transaction_gave_up", error_type=str(exc))
    return problem_response(
        503, "busy", "The service is busy. Please retry in a moment.", headers={"Retry-After": "1"}
    )


def handle_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    logger.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return problem_response(
        500, "internal_error", "Something went wrong on our side. It has been logged."
    )


ExceptionHandler = Callable[[Request[Any, Any, Any], Any], Response[Any]]

EXCEPTION_HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    ValidationException: handle_validation,
    HTTPException: handle_http_exception,
    DomainError: handle_domain_error,
    TransientConflict: handle_transient,
    psycopg.errors.IntegrityError: handle_integrity_error,
    psycopg.DataError: handle_data_error,
    psycopg.OperationalError: handle_database_unavailable,
    PoolTimeout: handle_database_unavailable,
    Exception: handle_unexpected,
}
