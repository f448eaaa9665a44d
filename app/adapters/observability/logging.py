"""Structured logging: one JSON object per line, with service, request id and redaction.

Every log line, ours or a library's (uvicorn, psycopg-pool), goes through the same
processor chain, whose redaction step removes P1/P2 fields and secrets before anything
is rendered. Log calls should never pass personal data; redaction is the safety net.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from structlog.types import EventDict, Processor

REDACTED = "[redacted]"

# Keys whose values are P1/P2 data or secrets wherever they appear in a log event.
SENSITIVE_KEYS = frozenset(
    {
        "answers",
        "authorization",
        "body",
        "code",
        "cookie",
        "display_name",
        "email",
        "first_name",
        "last_name",
        "manage_token",
        "message",
        "name",
        "password",
        "payload",
        "phone",
        "secret",
        "set-cookie",
        "telegram_user_id",
        "text",
        "token",
        "username",
        "x-manage-token",
    }
)
SENSITIVE_SUFFIXES = ("_encrypted", "_token", "_secret", "_password", "_key", "_email", "_phone")

# Constraint violation details echo the offending values: "Key (email)=(a@b.c) ...".
_KEY_DETAIL = re.compile(r"Key \(([^)]*)\)=\((.*?)\)( already exists| is not present| conflicts)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered in SENSITIVE_KEYS or lowered.endswith(SENSITIVE_SUFFIXES)


def scrub_text(text: str) -> str:
    """Remove values that database errors and tracebacks may carry."""
    text = _KEY_DETAIL.sub(lambda m: f"Key ({m.group(1)})=({REDACTED}){m.group(3)}", text)
    return _EMAIL.sub(REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and _is_sensitive(k) else _redact_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def redact(_: Any, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: drop sensitive fields and scrub rendered exceptions."""
    for key in list(event_dict):
        if key == "event":
            continue
        if _is_sensitive(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(event_dict[key])
    exception = event_dict.get("exception")
    if isinstance(exception, str):
        event_dict["exception"] = scrub_text(exception)
    event = event_dict.get("event")
    if isinstance(event, str):
        event_dict["event"] = scrub_text(event)
    return event_dict


def _drop_color_message(_: Any, __: str, event_dict: EventDict) -> EventDict:
    # uvicorn duplicates every message with ANSI colours for its own formatter.
    event_dict.pop("color_message", None)
    return event_dict


# The processes that log: the HTTP API, the worker, the Telegram bot, one-off commands.
SERVICES = ("api", "worker", "bot", "cli")


def _add_service(service: str) -> Processor:
    """structlog processor: every line names the process that wrote it."""

    def add_service(_: Any, __: str, event_dict: EventDict) -> EventDict:
        event_dict["service"] = service
        return event_dict

    return add_service


def shared_processors(service: str = "api") -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_service(service),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
        structlog.processors.format_exc_info,
        redact,
    ]


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment of writing (not at setup)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(level: str = "INFO", log_format: str = "json", service: str = "api") -> None:
    """Route structlog and the standard library's logging through one JSON renderer;
    ``service`` (one of ``SERVICES``) is written on every line."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    renderer: Processor
    if log_format == "console":
        # Plain tracebacks: the rich formatter would print local variables (personal data).
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    else:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    shared = shared_processors(service)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers[:] = []
        named.propagate = True
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # Our own access log replaces uvicorn's, which prints query strings and addresses.
    logging.getLogger("uvicorn.access").disabled = True


def bind_request_context(values: MutableMapping[str, Any]) -> None:
    structlog.contextvars.bind_contextvars(**values)
