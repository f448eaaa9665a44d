"""Bearer sessions: who a token belongs to while its session is alive, and logging out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import structlog

from app.application.access import Principal
from app.application.identity.ports import IdentityUoW
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import SessionPolicies, UserStatus
from app.domain.identity.tokens import token_hash

logger = structlog.get_logger(__name__)

# Refresh last_seen_at at most this often, so reads do not write on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


class Sessions:
    def __init__(
        self, uow: Callable[[], IdentityUoW], clock: Clock, policies: SessionPolicies
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policies = policies

    async def authenticate(self, token: str) -> Principal:
        """The principal behind a bearer token; ``AuthenticationFailed`` otherwise."""

        async def work(uow: IdentityUoW) -> Principal | None:
            now = self._clock.now()
            stored = await uow.repos.sessions.find(token_hash(token))
            if stored is None or stored.revoked_at is not None:
                return None
            if stored.user_status is not UserStatus.ACTIVE:
                return None
            policy = self._policies.for_roles(stored.roles)
            if not policy.is_alive(
                created_at=stored.created_at, last_seen_at=stored.last_seen_at, now=now
            ):
                return None
            if now - stored.last_seen_at >= TOUCH_INTERVAL:
                await uow.repos.sessions.touch(stored.id, now)
            return Principal(stored.user_id, stored.id, stored.roles)

        principal = await in_transaction(self._uow, work)
        if principal is None:
            logger.info("authentication_failed")
            raise AuthenticationFailed("The session is invalid or has expired.")
        return principal

    async def logout(self, principal: Principal) -> None:
        async def work(uow: IdentityUoW) -> None:
            await uow.repos.sessions.revoke(principal.session_id, self._clock.now())

        await in_transaction(self._uow, work)
