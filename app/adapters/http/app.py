"""The Litestar application: routes, error mapping, OpenAPI and request context."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from litestar import Controller, Litestar, Request, Router
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig, get_remote_address
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.routes import HTTPRoute
from litestar.stores.base import Store
from litestar.types import ControllerRouterHandler, Message, Scope
from litestar.utils.path import normalize_path

from app.adapters.http.auth import AUTH_DEPENDENCIES, role_guard
from app.adapters.http.dependency_order import resolve_in_turn
from app.adapters.http.health import HealthController
from app.adapters.http.internal import InternalListener, serving
from app.adapters.http.msgspec_app import MsgspecLitestar
from app.adapters.http.openapi_problems import document_problems
from app.adapters.http.openapi_structs import ClosedStructSchemaPlugin
from app.adapters.http.problems import EXCEPTION_HANDLERS
from app.adapters.http.request_context import RequestContextMiddleware
from app.adapters.http.strict_input import strict_input
from app.adapters.observability.metrics import request_metrics
from app.adapters.postgres.database import Database
from app.config import Settings
from app.domain.identity.model import STAFF_ROLES

if TYPE_CHECKING:
    from app.adapters.console.router import Console
    from app.adapters.observability.otel import Tracing

API_TITLE = "Emotional Balance API"
API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 30
# The name RateLimitConfig looks its store up by in ``app.stores``.
RATE_LIMIT_STORE_NAME = "rate_limit"


class Companion(Protocol):
    """Something that runs beside the server for its whole life (a listener)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Throttle:
    """``limit`` requests per ``unit`` and client address for ``method`` on the paths
    ``path`` matches (a regular expression over the whole path, without a final "/")."""

    group: str
    method: str
    path: str
    limit: int
    unit: DurationUnit = "minute"


# Requests whose abuse costs money, mail, moderation time or work, or that could be
# repeated to learn about other people, limited per client address (the socket peer, or
# X-Forwarded-For from TRUSTED_PROXIES as uvicorn resolves it). Each group counts apart.
THROTTLES: tuple[Throttle, ...] = (
    Throttle("auth", "POST", r"/api/v1/auth/.+", 10),
    Throttle("console_auth", "POST", r"/console/login(/code)?", 10),
    Throttle("forms", "POST", r"/api/v1/(leads|questions|reviews|waitlist)", 5),
    # Reading tokens are 256-bit, but each guess is a database read.
    Throttle("reading", "POST", r"/api/v1/questions/answer", 20),
    Throttle("offers", "POST", r"/api/v1/waitlist/offer", 20),
    Throttle("booking", "POST", r"/api/v1/appointments", 20),
    # Each cancellation e-mails the booking's contact.
    Throttle("cancel", "POST", r"/api/v1/appointments/[^/]+/cancel", 10, "hour"),
    # Each request may e-mail a fresh manage link to the address given.
    Throttle("manage_link", "POST", r"/api/v1/appointments/manage-link", 5, "hour"),
    Throttle("events", "POST", r"/api/v1/events", 120),
    Throttle("deep_links", "POST", r"/api/v1/(deep-links|me/telegram-link/[^/]+/confirm)", 10),
    Throttle("runs", "POST", r"/api/v1/interactives/[^/]+/runs", 30),
    # Each answer may call a chat model, which costs money.
    Throttle("assistant", "POST", r"/api/v1/assistant/.+", 20),
    Throttle("profile", "PATCH", r"/api/v1/me", 10),
    # Each export builds and e-mails an archive of everything about the person.
    Throttle("exports", "POST", r"/api/v1/me/data-exports", 5, "hour"),
    # A guest's request e-mails a link; its confirmation and download take a secret.
    Throttle("guest_requests", "POST", r"/api/v1/data-requests", 5, "hour"),
    Throttle(
        "guest_links", "POST", r"/api/v1/(data-requests/\w+|guest-contacts/confirm)", 20, "hour"
    ),
)


# Every staff endpoint lives under /api/v1/admin/; a caller without a staff role is
# refused there before the body is read (each endpoint still checks its own roles).
STAFF_PATH = "/api/v1/admin/"
STAFF_ONLY = role_guard(*STAFF_ROLES, under=STAFF_PATH)


def _paths(handler: ControllerRouterHandler) -> list[str]:
    """Every path ``handler`` answers on: a controller's path joined to its handlers'."""
    if isinstance(handler, type) and issubclass(handler, Controller):
        base = normalize_path(str(getattr(handler, "path", "/"))).rstrip("/")
        found = (getattr(handler, name, None) for name in dir(handler))  # inherited too
        members = [m for m in found if isinstance(m, BaseRouteHandler)]
        if any(not isinstance(m, HTTPRouteHandler) for m in members):
            return ["?"]  # a websocket or ASGI handler: treated as possibly staff-only
        return [
            normalize_path(f"{base}/{p}").rstrip("/") or "/"
            for m in members
            if isinstance(m, HTTPRouteHandler)
            for p in m.paths
        ]
    if isinstance(handler, HTTPRouteHandler):
        return [normalize_path(p) for p in handler.paths]
    return ["?"]  # anything else (a router): treated as possibly staff-only


def _api_routers(
    route_handlers: Sequence[ControllerRouterHandler], *, guarded: bool
) -> list[Router]:
    """The API's routes under the strict input check, the staff paths behind STAFF_ONLY.

    Litestar copies the route handler for every guard it runs on every request (about
    15 % of a cheap public read), so the guard is set only on the controllers that have
    a path under /api/v1/admin/; it still checks the path itself, so a controller with
    paths on both sides is safe behind it."""
    staff: list[ControllerRouterHandler] = []
    public: list[ControllerRouterHandler] = []
    for handler in route_handlers:
        under_admin = any(
            f"{p.rstrip('/')}/".startswith(STAFF_PATH) or p == "?" for p in _paths(handler)
        )
        (staff if under_admin and guarded else public).append(handler)
    routers = [Router(path="/", route_handlers=public, before_request=strict_input)]
    if staff:
        routers.append(
            Router(path="/", route_handlers=staff, before_request=strict_input, guards=[STAFF_ONLY])
        )
    return routers


def _rate_limits(settings: Settings) -> list[DefineMiddleware]:
    """One limiter a group, each counting per client address under its own key."""
    limiters = []
    for throttle in THROTTLES:
        pattern = re.compile(throttle.path)

        def throttled(
            request: Request[Any, Any, Any],
            method: str = throttle.method,
            pattern: re.Pattern[str] = pattern,
        ) -> bool:
            path = request.url.path.rstrip("/")
            return request.method == method and pattern.fullmatch(path) is not None

        def identifier(request: Request[Any, Any, Any], group: str = throttle.group) -> str:
            return f"{group}:{get_remote_address(request)}"

        limiters.append(
            RateLimitConfig(
                rate_limit=(throttle.unit, throttle.limit),
                check_throttle_handler=throttled,
                identifier_for_request=identifier,
                store=RATE_LIMIT_STORE_NAME,
            ).middleware
        )
    return limiters


class AllowEveryMethod:
    """A ``before_send`` hook: an OPTIONS answer's ``Allow`` lists every method of its path.

    Litestar 2 makes each path's automatic OPTIONS handler when the path's first handler
    is registered; handlers added later for other methods (another controller or router
    on the same path) are missing from its ``Allow`` (litestar-org/litestar#4169, fixed
    in v3). This rewrites the header from the finished routes, through public API only:
    ``Litestar.routes``, each ``HTTPRoute``'s ``methods`` and ``route_handlers``, and the
    handler Litestar puts in the scope (``Request.route_handler``).
    """

    def __init__(self) -> None:
        self._allow: dict[int, bytes] = {}

    def index(self, app: Litestar) -> None:
        """Read every path's methods; call once the application is built."""
        for route in app.routes:
            if isinstance(route, HTTPRoute):
                allow = ", ".join(sorted(route.methods)).encode()
                for handler in route.route_handlers:
                    self._allow[id(handler)] = allow

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        allow = self._allow.get(id(scope.get("route_handler")))
        if allow is None:
            return
        message["headers"] = [
            (name, allow if name.lower() == b"allow" else value)
            for name, value in message.get("headers", ())
        ]


def build_http_app(
    settings: Settings,
    *,
    database: Database,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    dependencies: Mapping[str, Provide] | None = None,
    background: Callable[[asyncio.Event], Awaitable[None]] | None = None,
    tracing: Tracing | None = None,
    internal: InternalListener | None = None,
    rate_limit_store: Store | None = None,
    companions: Sequence[Companion] = (),
    console: Console | None = None,
) -> Litestar:
    """Assemble the HTTP application from adapters built by the composition root.

    ``background`` (the worker loop, in dev) runs beside the server and is asked to
    stop, finishing its current round, when the server shuts down. ``tracing`` (when
    OpenTelemetry is on) adds Litestar's OpenTelemetry plugin and names each request's
    span by its route. ``internal`` (the probes and metrics on API_INTERNAL_PORT) runs
    from startup to shutdown. ``rate_limit_store``
    is where the rate limits count (this process's memory when None); ``companions``
    are started after the pool opens and closed before it closes. ``console`` (when
    CONSOLE_ENABLED) mounts the web console at /console beside the API: its own router,
    error pages and CSRF protection, outside the API's strict input checks.
    """

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncGenerator[None, None]:
        await database.open()
        started: list[Companion] = []
        stop = asyncio.Event()
        task = None
        try:
            for companion in companions:
                await companion.start()
                started.append(companion)
            task = asyncio.ensure_future(background(stop)) if background is not None else None
            async with serving(internal):
                yield
        finally:
            stop.set()
            if task is not None:
                await asyncio.wait_for(task, timeout=SHUTDOWN_GRACE_SECONDS)
            for companion in reversed(started):
                await companion.close()
            if rate_limit_store is not None:
                await rate_limit_store.__aexit__(None, None, None)
            await database.close()

    def provide_database() -> Database:
        return database

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
    all_dependencies: dict[str, Any] = {
        "database": Provide(provide_database, sync_to_thread=False),
        **(AUTH_DEPENDENCIES if dependencies and "identity" in dependencies else {}),
        **(dependencies or {}),
    }
    allow_every_method = AllowEveryMethod()
    exception_handlers = dict(EXCEPTION_HANDLERS)
    if console is not None:
        exception_handlers[HTTPException] = console.http_exception_handler(
            exception_handlers[HTTPException]
        )
    app = MsgspecLitestar(
        # Strict input checks cover the API; the liveness probe takes no input and stays
        # as light as it can be (readiness and metrics are on the internal listener). No
        # controller sets its own before_request hook (it would replace this one):
        # tests/e2e/test_http_basics.py checks that.
        route_handlers=[
            HealthController,
            *_api_routers(route_handlers, guarded="principal" in all_dependencies),
            *(console.route_handlers() if console is not None else []),
        ],
        dependencies=all_dependencies,
        middleware=[
            *([tracing.route_span_names()] if tracing is not None else []),
            request_metrics(),
            *(_rate_limits(settings) if settings.rate_limits_enabled else []),
        ],
        exception_handlers=exception_handlers,
        lifespan=[lifespan],
        stores={RATE_LIMIT_STORE_NAME: rate_limit_store} if rate_limit_store is not None else None,
        openapi_config=openapi,
        cors_config=cors,
        csrf_config=console.csrf_config if console is not None else None,
        template_config=console.template_config if console is not None else None,
        logging_config=None,
        request_max_body_size=MAX_BODY_BYTES,
        plugins=[
            ClosedStructSchemaPlugin(),
            *([tracing.litestar_plugin()] if tracing is not None else []),
        ],
        before_send=[allow_every_method],
        debug=False,
    )
    allow_every_method.index(app)
    resolve_in_turn(app)  # dependencies in the request's task, not a task group each
    if openapi is not None:
        document_problems(app)
    # Wrap Litestar's own handler, outside routing, so 404/405 get a request id too.
    app.asgi_handler = RequestContextMiddleware(
        app.asgi_handler, hsts=settings.public_base_url.startswith("https://")
    )
    return app
