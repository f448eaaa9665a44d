"""Bearer authentication and role checks for controllers.

``principal`` (any signed-in user), ``optional_principal`` (anonymous allowed) and the
role-specific providers built by ``requires`` are Litestar dependencies; a controller
names the one it needs. Failures are logged without the token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from app.application.identity.service import IdentityService, Principal, ensure_roles
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import Role


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
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
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed("Sign in first.")
    return await identity.authenticate(token)


async def provide_optional_principal(
    request: Request[Any, Any, Any], identity: NamedDependency[IdentityService]
) -> Principal | None:
    token = bearer_token(request)
    return None if token is None else await identity.authenticate(token)


def requires(*roles: Role) -> Provide:
    """A dependency giving the principal when it holds one of ``roles`` (else 403)."""

    async def provide(principal: NamedDependency[Principal]) -> Principal:
        ensure_roles(principal, *roles)
        return principal

    return Provide(provide)


AUTH_DEPENDENCIES: dict[str, Provide] = {
    "principal": Provide(provide_principal),
    "optional_principal": Provide(provide_optional_principal),
}

ProviderFn = Callable[..., Awaitable[Principal]]
