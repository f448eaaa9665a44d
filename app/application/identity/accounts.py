"""Opening accounts and sessions, shared by the e-mail and Telegram logins: a first
login registers the account (which needs the personal_data consent), the consents
given with a login are recorded, and only an account that may log in gets a session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog

from app.application.identity.ports import IdentityUoW
from app.domain.identity.errors import AccountBlocked
from app.domain.identity.model import (
    ConsentRecord,
    ConsentSource,
    ConsentState,
    ConsentType,
    Role,
    SessionPolicies,
    User,
    UserStatus,
    new_token,
)
from app.domain.identity.tokens import token_hash
from app.domain.shared.contact import Email
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)

DEFAULT_TIMEZONE = "Europe/Moscow"
DEFAULT_LOCALE = "ru"


@dataclass(frozen=True, slots=True)
class ConsentInput:
    consent_type: ConsentType
    granted: bool
    document_version: str


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


def new_account(
    now: datetime,
    roles: frozenset[Role],
    *,
    email: Email | None = None,
    telegram_user_id: int | None = None,
    display_name: str | None = None,
) -> User:
    """A new active account with the default time zone and locale."""
    return User(
        id=new_id(),
        email=email,
        phone=None,
        telegram_user_id=telegram_user_id,
        display_name=display_name,
        timezone=DEFAULT_TIMEZONE,
        locale=DEFAULT_LOCALE,
        status=UserStatus.ACTIVE,
        roles=roles,
        created_at=now,
    )


async def register(
    uow: IdentityUoW,
    consents: Sequence[ConsentInput],
    now: datetime,
    *,
    email: Email | None = None,
    telegram_user_id: int | None = None,
    display_name: str | None = None,
) -> User:
    """A first login creates a client account, which needs the personal_data consent."""
    given = ConsentState.from_history(
        [
            ConsentRecord(c.consent_type, c.granted, c.document_version, ConsentSource.WEB, now)
            for c in consents
        ]
    )
    given.require(ConsentType.PERSONAL_DATA)
    user = new_account(
        now, frozenset({Role.CLIENT}), email=email, telegram_user_id=telegram_user_id,
        display_name=display_name,
    )  # fmt: skip
    await uow.repos.users.add(user, granted_by=None)
    logger.info("user_registered", user_id=str(user.id))
    return user


async def record_consents(
    uow: IdentityUoW,
    user_id: uuid.UUID,
    consents: Sequence[ConsentInput],
    now: datetime,
    source: ConsentSource,
) -> None:
    for consent in consents:
        await uow.repos.consents.add(
            user_id,
            ConsentRecord(
                consent.consent_type, consent.granted, consent.document_version, source, now
            ),
        )


async def open_session(
    uow: IdentityUoW, policies: SessionPolicies, user: User, now: datetime
) -> LoginResult:
    """A new session for ``user``, living as long as its roles allow; a blocked or
    deleted account is refused."""
    if not user.can_log_in:
        raise AccountBlocked()
    policy = policies.for_roles(user.roles)
    token = new_token()
    expires_at = policy.expires_at(now)
    await uow.repos.sessions.add(new_id(), user.id, token_hash(token), now, expires_at)
    logger.info("login_succeeded", user_id=str(user.id))
    return LoginResult(token=token, expires_at=expires_at, user=user)
