"""Who is calling and what they may touch: the principal behind a session, the role check
per use case and the ownership check per object. One small module every context uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog

from app.domain.errors import Forbidden, NotFound
from app.domain.identity.model import Role

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user, their roles and the session used."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    roles: frozenset[Role]

    @property
    def is_staff(self) -> bool:
        return bool(self.roles - {Role.CLIENT})

    @property
    def primary_role(self) -> str:
        for role in (Role.OWNER, Role.ASSISTANT, Role.EDITOR, Role.CLIENT):
            if role in self.roles:
                return role.value
        return "none"


def ensure_owned(owner_id: uuid.UUID, principal: Principal) -> None:
    """Object-level access: somebody else's object answers exactly like a missing one."""
    if owner_id != principal.user_id:
        raise NotFound()


def ensure_roles(principal: Principal, *roles: Role) -> None:
    if not principal.roles & set(roles):
        logger.warning("authorization_denied", user_id=str(principal.user_id))
        raise Forbidden()
