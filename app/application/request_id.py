"""The request id that work is done for, carried from an HTTP request into the events
and messages it writes, and from those into the worker's handling and log lines.

The HTTP layer sets it for each request (from ``X-Request-ID`` or a fresh one); the
worker sets it, while it handles an event or sends a message, to the id stored with
that row, and, while it runs a periodic job, to an id of that run. Whatever is written
meanwhile (events raised by a handler, messages it queues) stores the same id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or event, or job run) the running code works for."""
    return _current.get()


@contextmanager
def working_for(request_id: str | None, **log_fields: str) -> Iterator[None]:
    """Within the block, ``current_request_id()`` is ``request_id`` and every log line
    carries it (``null`` when there is none) and ``log_fields``; both are restored
    afterwards."""
    token = _current.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id, **log_fields):
            yield
    finally:
        _current.reset(token)
