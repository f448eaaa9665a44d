"""The signed-in person's own account: the profile and the consents, and the shared
consent check other contexts call before storing what needs one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.application.access import Principal
from app.application.identity.accounts import ConsentInput, record_consents
from app.application.identity.ports import IdentityUoW
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.errors import NotFound, VersionConflict
from app.domain.identity.model import (
    ConsentSource,
    ConsentState,
    ConsentType,
    User,
    validate_display_name,
    validate_locale,
    validate_timezone,
)
from app.domain.shared.contact import Phone


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    display_name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    phone: str | None = None


class Profile:
    def __init__(self, uow: Callable[[], IdentityUoW], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def me(self, principal: Principal) -> User:
        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(principal.user_id)
            if user is None:
                raise NotFound()
            return user

        return await in_transaction(self._uow, work)

    async def update_me(
        self, principal: Principal, changes: ProfileChanges, expected_version: int | None
    ) -> User:
        async def work(uow: IdentityUoW) -> User:
            user = await uow.repos.users.get(principal.user_id)
            if user is None:
                raise NotFound()
            if expected_version is not None and expected_version != user.version:
                raise VersionConflict()
            updated = replace(
                user,
                display_name=(
                    validate_display_name(changes.display_name)
                    if changes.display_name is not None
                    else user.display_name
                ),
                timezone=(
                    validate_timezone(changes.timezone)
                    if changes.timezone is not None
                    else user.timezone
                ),
                locale=validate_locale(changes.locale) if changes.locale else user.locale,
                phone=Phone(changes.phone) if changes.phone else user.phone,
            )
            return await uow.repos.users.update_profile(updated, user.version)

        return await in_transaction(self._uow, work)

    async def consents(self, principal: Principal) -> ConsentState:
        async def work(uow: IdentityUoW) -> ConsentState:
            return ConsentState.from_history(await uow.repos.consents.history(principal.user_id))

        return await in_transaction(self._uow, work)

    async def give_consent(self, principal: Principal, consent: ConsentInput) -> ConsentState:
        async def work(uow: IdentityUoW) -> ConsentState:
            await record_consents(
                uow, principal.user_id, [consent], self._clock.now(), ConsentSource.WEB
            )
            return ConsentState.from_history(await uow.repos.consents.history(principal.user_id))

        return await in_transaction(self._uow, work)

    async def require_consent(self, user_id: uuid.UUID, consent_type: ConsentType) -> None:
        """The shared check later contexts call before storing what needs a consent."""

        async def work(uow: IdentityUoW) -> None:
            state = ConsentState.from_history(await uow.repos.consents.history(user_id))
            state.require(consent_type)

        await in_transaction(self._uow, work)
