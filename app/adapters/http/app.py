"""The Litestar application: routes, error mapping, OpenAPI and request context."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.types import ControllerRouterHandler

from app.adapters.http.health import HealthController
from app.adapters.http.problems import EXCEPTION_HANDLERS
from app.adapters.http.request_context import RequestContextMiddleware
from app.adapters.postgres.database import Database
from app.config import Settings

API_TITLE = "Emotional Balance API"
API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 30


def build_http_app(
    settings: Settings,
    *,
    database: Database,
    expected_migrations: tuple[str, ...],
    route_handlers: Sequence[ControllerRouterHandler] = (),
    background: Callable[[asyncio.Event], Awaitable[None]] | None = None,
) -> Litestar:
    """Assemble the HTTP application from adapters built by the composition root.

    ``background`` (the worker loop, in dev) runs beside the server and is asked to
    stop, finishing its current round, when the server shuts down.
    """

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncGenerator[None, None]:
        await database.open()
        stop = asyncio.Event()
        task = asyncio.ensure_future(background(stop)) if background is not None else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await asyncio.wait_for(task, timeout=SHUTDOWN_GRACE_SECONDS)
            await database.close()

    def provide_database() -> Database:
        return database

    def provide_expected_migrations() -> tuple[str, ...]:
        return expected_migrations

    openapi = (
        OpenAPIConfig(
            title=API_TITLE,
            version=API_VERSION,
            description="HTTP API of the Emotional Balance practice. Errors are RFC 9457 "
            "problem details with a stable `code`.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        )
        if settings.openapi_enabled
        else None
    )
    cors = (
        CORSConfig(allow_origins=list(settings.cors_allow_origins), allow_credentials=False)
        if settings.cors_allow_origins
        else None
    )
    dependencies: dict[str, Any] = {
        "database": Provide(provide_database, sync_to_thread=False),
        "expected_migrations": Provide(provide_expected_migrations, sync_to_thread=False),
    }
    app = Litestar(
        route_handlers=[HealthController, *route_handlers],
        dependencies=dependencies,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=[lifespan],
        openapi_config=openapi,
        cors_config=cors,
        logging_config=None,
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
    # Wrap Litestar's own handler, outside routing, so 404/405 get a request id too.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler)
    return app
