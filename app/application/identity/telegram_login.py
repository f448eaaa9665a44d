"""Logging in with the Telegram Login Widget: a signed, fresh payload logs in once; a
first login registers the account under the Telegram user's first name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.application.identity.accounts import (
    ConsentInput,
    LoginResult,
    open_session,
    record_consents,
    register,
)
from app.application.identity.ports import IdentityUoW, TelegramLoginVerifier
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.errors import NotFound
from app.domain.identity.errors import AuthenticationFailed
from app.domain.identity.model import ConsentSource, SessionPolicies, validate_display_name


class TelegramLogin:
    def __init__(
        self,
        uow: Callable[[], IdentityUoW],
        clock: Clock,
        sessions: SessionPolicies,
        verifier: TelegramLoginVerifier | None,
    ) -> None:
        """``verifier`` is None when no bot token is configured: the login is then 404."""
        self._uow = uow
        self._clock = clock
        self._sessions = sessions
        self._verifier = verifier

    async def login(
        self, data: dict[str, Any], consents: Sequence[ConsentInput] = ()
    ) -> LoginResult:
        if self._verifier is None:
            raise NotFound("Telegram login is not configured.")
        identity = self._verifier.verify(data, self._clock.now())

        async def work(uow: IdentityUoW) -> LoginResult:
            now = self._clock.now()
            # Each payload logs in once (a refused first login, e.g. for a missing
            # consent, rolls back and leaves it usable).
            if not await uow.repos.telegram_logins.accept_once(
                identity.signature_hash, identity.accepted_until, now
            ):
                raise AuthenticationFailed("The Telegram login data was already used.")
            user = await uow.repos.users.find_by_telegram(identity.telegram_user_id)
            if user is None:
                name = validate_display_name(identity.first_name) if identity.first_name else None
                user = await register(
                    uow, consents, now, telegram_user_id=identity.telegram_user_id,
                    display_name=name,
                )  # fmt: skip
            await record_consents(uow, user.id, consents, now, ConsentSource.WEB)
            return await open_session(uow, self._sessions, user, now)

        return await in_transaction(self._uow, work)
