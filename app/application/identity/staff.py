"""The owner's staff management: the first owner (from the CLI), adding staff, roles,
blocking and unblocking an account, the list of accounts. Every change is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.identity.accounts import new_account
from app.application.identity.ports import IdentityUoW
from app.application.ports import AuditEntry, Clock
from app.application.transactions import in_transaction
from app.domain.errors import Forbidden, InvalidState, NotFound
from app.domain.identity.model import Role, User, UserStatus, ensure_can_grant_roles
from app.domain.shared.contact import Email


class Staff:
    def __init__(self, uow: Callable[[], IdentityUoW], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create_owner(self, raw_email: str) -> User:
        """First owner, from the CLI: a new account, or the owner role for an existing one."""
        email = Email(raw_email)

        async def work(uow: IdentityUoW) -> User:
            now = self._clock.now()
            user = await uow.repos.users.find_by_email(email.normalized)
            if user is None:
                user = new_account(now, frozenset({Role.OWNER}), email=email)
                await uow.repos.users.add(user, granted_by=None)
            else:
                user = replace(user, roles=user.roles | {Role.OWNER})
                await uow.repos.users.set_roles(user.id, user.roles, granted_by=None)
            await uow.audit.record(
                AuditEntry(actor_id=None, actor_role="system", action="user.grant_owner",
                           entity_type="user", entity_id=str(user.id))
            )  # fmt: skip
            return user

        return await in_transaction(self._uow, work)

    async def add_staff(self, actor: Principal, raw_email: str, roles: frozenset[Role]) -> User:
        ensure_can_grant_roles(actor.roles, roles)
        email = Email(raw_email)

        async def work(uow: IdentityUoW) -> User:
            now = self._clock.now()
            existing = await uow.repos.users.find_by_email(email.normalized)
            if existing is None:
                user = new_account(now, roles, email=email)
                await uow.repos.users.add(user, granted_by=actor.user_id)
            else:
                user = replace(existing, roles=existing.roles | roles)
                await uow.repos.users.set_roles(user.id, user.roles, granted_by=actor.user_id)
            await _audit(uow, actor, "user.add_staff", user.id, {"roles": sorted(roles)})
            return user

        return await in_transaction(self._uow, work)

    async def set_roles(self, actor: Principal, user_id: uuid.UUID, roles: frozenset[Role]) -> User:
        ensure_can_grant_roles(actor.roles, roles)

        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(user_id)
            if user is None:
                raise NotFound()
            if user_id == actor.user_id and Role.OWNER not in roles:
                raise Forbidden("The owner cannot remove their own owner role.")
            await uow.repos.users.set_roles(user_id, roles, granted_by=actor.user_id)
            await _audit(uow, actor, "user.set_roles", user_id, {"roles": sorted(roles)})
            return replace(user, roles=roles)

        return await in_transaction(self._uow, work)

    async def block(self, actor: Principal, user_id: uuid.UUID) -> None:
        """Block an account and end its sessions at once."""
        ensure_roles(actor, Role.OWNER)
        if user_id == actor.user_id:
            raise Forbidden("The owner cannot block themselves.")

        async def work(uow: IdentityUoW) -> None:
            now = self._clock.now()
            user = await uow.repos.users.get(user_id)
            if user is None:
                raise NotFound()
            await uow.repos.users.set_status(user_id, UserStatus.BLOCKED, now)
            revoked = await uow.repos.sessions.revoke_all(user_id, now)
            await _audit(uow, actor, "user.block", user_id, {"sessions_revoked": revoked})

        await in_transaction(self._uow, work)

    async def unblock(self, actor: Principal, user_id: uuid.UUID) -> None:
        """Let a blocked account sign in again (its old sessions stay ended). An account
        that is not blocked is refused (409); an erased one is gone (404). Audited."""
        ensure_roles(actor, Role.OWNER)

        async def work(uow: IdentityUoW) -> None:
            user = await uow.repos.users.get(user_id)
            if user is None or user.status is UserStatus.DELETED:
                raise NotFound()
            if user.status is not UserStatus.BLOCKED:
                raise InvalidState("The account is not blocked.")
            await uow.repos.users.set_status(user_id, UserStatus.ACTIVE, self._clock.now())
            await _audit(uow, actor, "user.unblock", user_id, {})

        await in_transaction(self._uow, work)

    async def list_users(self, actor: Principal, limit: int, after: uuid.UUID | None) -> list[User]:
        ensure_roles(actor, Role.OWNER)

        async def work(uow: IdentityUoW) -> list[User]:
            return await uow.repos.users.list(limit, after)

        return await in_transaction(self._uow, work)


async def _audit(
    uow: IdentityUoW, actor: Principal, action: str, user_id: uuid.UUID, details: dict[str, Any]
) -> None:
    await audit_action(uow, actor, action, "user", str(user_id), details)
