"""Request id and access log, around everything the application answers.

It wraps Litestar's own ASGI handler (not the route stack), so that unmatched routes,
405s and crashes get a request id and an access-log line too.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.application.request_id import working_for

REQUEST_ID_HEADER = "x-request-id"
# A caller-supplied id is kept only when it is short and plain, so it cannot smuggle
# data into logs; otherwise a fresh one is made.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_logger = structlog.get_logger("app.access")

# Sent with every answer: the API serves JSON, never pages to frame or sniff. The API
# reference under /schema loads its own script and styles, so it gets no CSP.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The web console's pages load the app's own styles and scripts, nothing else.
CONSOLE_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _VALID_ID.match(candidate) else None
    return None


class RequestContextMiddleware:
    """Gives every HTTP request an id (logged, and echoed in ``X-Request-ID``) and every
    answer the security headers (HSTS too when the public address is HTTPS)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                path = str(scope.get("path", ""))
                if path == "/console" or path.startswith("/console/"):
                    headers.append(CONSOLE_CSP)
                elif not path.startswith("/schema"):
                    headers.append(API_CSP)
                if self.hsts:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        # The id goes on every log line of the request and on the events and messages
        # its transaction writes (the worker logs it again when it handles them).
        with working_for(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                # The path only: query strings may carry search terms or tokens.
                access_logger.info(
                    "request_finished",
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
        structlog.contextvars.clear_contextvars()
