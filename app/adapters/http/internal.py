"""The internal listener: ``GET /health/live``, ``GET /health/ready`` and ``GET /metrics``
of one process (API, worker or bot) on a port of its own, never published through the
proxy. A second uvicorn server runs in the process's own event loop; it leaves signal
handling to the process (the API's main server, the worker's stop event, the bot's
dispatcher), which stops the listener after its own shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

import msgspec
import structlog
import uvicorn
from litestar import Litestar, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from app.adapters.http.msgspec_app import MsgspecLitestar
from app.config import ConfigError

logger = structlog.get_logger(__name__)

STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Probe:
    """A probe's verdict (200 when ``ok``, else 503) and the report it answers with."""

    ok: bool
    report: msgspec.Struct


@dataclass(frozen=True, slots=True)
class InternalEndpoints:
    live: Callable[[], Awaitable[Probe]]
    ready: Callable[[], Awaitable[Probe]]
    metrics: Callable[[], Awaitable[bytes]]


def _answer(probe: Probe) -> Response[Any]:
    return Response(
        probe.report, status_code=200 if probe.ok else 503, headers={"Cache-Control": "no-store"}
    )


def build_internal_app(endpoints: InternalEndpoints) -> Litestar:
    """The three routes, nothing else (no API reference, no request metrics)."""

    @get("/health/live")
    async def live() -> Response[Any]:
        return _answer(await endpoints.live())

    @get("/health/ready")
    async def ready() -> Response[Any]:
        return _answer(await endpoints.ready())

    @get("/metrics")
    async def metrics() -> Response[bytes]:
        return Response(await endpoints.metrics(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return MsgspecLitestar(
        route_handlers=[live, ready, metrics],
        openapi_config=None,
        logging_config=None,
        debug=False,
    )


class _ListenerServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the process already has them, and two
    servers swapping ``signal.signal`` handlers would lose one of them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class InternalListener:
    """Serves the internal app on ``host:port`` from ``start`` until ``stop``.
    ``variable`` names the setting, for a clear error when the port is taken."""

    def __init__(self, app: Litestar, host: str, port: int, *, variable: str) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._variable = variable
        self._server: _ListenerServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    def bind(self) -> socket.socket:
        """Take the port now (``serve`` does so before its main server starts, so a taken
        port is a plain configuration error); ``start`` binds it when nobody did."""
        if self._socket is not None:
            return self._socket
        try:
            # Bound here, not inside uvicorn (which exits the process on a bind error).
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            self._socket = socket.create_server((self.host, self.port), family=family)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ConfigError(
                self._variable, f"cannot listen on {self.host}:{self.port} ({reason})"
            ) from None
        return self._socket

    async def start(self) -> None:
        sock = self.bind()
        self._socket = None  # uvicorn owns it from here
        config = uvicorn.Config(
            self.app, lifespan="off", log_config=None, access_log=False, server_header=False,
            timeout_graceful_shutdown=5,
        )  # fmt: skip
        self._server = _ListenerServer(config)
        # The socket already listens: a probe arriving before uvicorn accepts waits in
        # the backlog rather than being refused.
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        logger.info("internal_listener_started", host=self.host, port=self.port)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, timeout=STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("internal_listener_stop_timeout")
        self._server = self._task = None
        logger.info("internal_listener_stopped", port=self.port)


@contextlib.asynccontextmanager
async def serving(listener: InternalListener | None) -> AsyncIterator[None]:
    """``async with serving(listener):`` the listener runs for the block (None: off)."""
    if listener is not None:
        await listener.start()
    try:
        yield
    finally:
        if listener is not None:
            await listener.stop()
