"""Bearer authentication and role checks for controllers.

``principal`` (any signed-in user), ``optional_principal`` (anonymous allowed) and the
role-specific providers built by ``requires`` are Litestar dependencies; a controller
names the one it needs. Failures are logged without the token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.application.access import Principal, ensure_roles
from app.application.identity.service import IdentityService
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import Role


def bearer_token(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Use the header 'Authorization: Bearer <token>'.")
    return token.strip()


async def provide_principal(
    request: Request[Any, Any, Any], identity: NamedDependency[IdentityService]
) -> Principal:
    return await _signed_in(request, identity)


async def _signed_in(
    connection: ASGIConnection[Any, Any, Any, Any], identity: IdentityService
) -> Principal:
    """The caller's principal, authenticated once per request (a guard may have)."""
    known = connection.state.get(_PRINCIPAL_STATE)
    if isinstance(known, Principal):
        return known
    token = bearer_token(connection)
    if token is None:
        raise AuthenticationFailed("Sign in first.")
    principal = await identity.sessions.authenticate(token)
    connection.state[_PRINCIPAL_STATE] = principal
    return principal


async def provide_optional_principal(
    request: Request[Any, Any, Any], identity: NamedDependency[IdentityService]
) -> Principal | None:
    token = bearer_token(request)
    return None if token is None else await identity.sessions.authenticate(token)


def requires(*roles: Role) -> Provide:
    """A dependency giving the principal when it holds one of ``roles`` (else 403)."""

    async def provide(principal: NamedDependency[Principal]) -> Principal:
        ensure_roles(principal, *roles)
        return principal

    return Provide(provide)


def role_guard(*roles: Role, under: str | None = None) -> Guard:
    """A guard letting through only callers holding one of ``roles`` (401 signed out,
    403 otherwise), for routes whose path starts with ``under`` (all when None).

    Guards run before the body is read, so an invalid body sent by someone without the
    role is refused for the role, never answered with a validation error that describes
    what the endpoint accepts."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if connection.scope.get("method") == "OPTIONS":  # CORS preflight, Allow
            return
        template = str(connection.scope.get("path_template", connection.scope["path"]))
        if under is not None and not f"{template.rstrip('/')}/".startswith(under):
            return
        identity: IdentityService = await handler.resolve_dependencies()["identity"]()
        ensure_roles(await _signed_in(connection, identity), *roles)

    return guard


_PRINCIPAL_STATE = "principal"

AUTH_DEPENDENCIES: dict[str, Provide] = {
    "principal": Provide(provide_principal),
    "optional_principal": Provide(provide_optional_principal),
}

ProviderFn = Callable[..., Awaitable[Principal]]
