"""What the identity use cases need from storage and from the outside."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.application.identity.guest_ports import GuestRecords
from app.application.identity.personal_data import PersonalDataSection
from app.application.ports import UnitOfWork
from app.domain.identity.model import ConsentRecord, Role, User, UserStatus


@dataclass(frozen=True, slots=True)
class StoredLoginCode:
    id: uuid.UUID
    code_hash: bytes
    attempts: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SentLoginCode:
    """A code sent to an address lately: when, and how many wrong guesses it took."""

    created_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class StoredSession:
    id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None
    user_status: UserStatus
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class StoredExport:
    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    archive: str | None = None


class UserRepository(Protocol):
    async def get(self, user_id: uuid.UUID) -> User | None: ...

    async def find_by_email(self, email_normalized: str) -> User | None: ...

    async def find_by_telegram(self, telegram_user_id: int) -> User | None: ...

    async def add(self, user: User, granted_by: uuid.UUID | None) -> None: ...

    async def update_profile(self, user: User, expected_version: int) -> User: ...

    async def mark_email_verified(self, user_id: uuid.UUID, now: datetime) -> None: ...

    async def set_roles(
        self, user_id: uuid.UUID, roles: frozenset[Role], granted_by: uuid.UUID | None
    ) -> None: ...

    async def set_status(self, user_id: uuid.UUID, status: UserStatus, now: datetime) -> None: ...

    async def list(self, limit: int, after: uuid.UUID | None) -> list[User]: ...


class LoginCodeRepository(Protocol):
    async def add(
        self, code_id: uuid.UUID, email_normalized: str, code_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None: ...  # fmt: skip

    async def sent_since(self, email_normalized: str, since: datetime) -> list[SentLoginCode]:
        """Codes sent to the address since ``since``, newest first."""
        ...

    async def latest_usable(
        self, email_normalized: str, now: datetime, max_attempts: int
    ) -> StoredLoginCode | None: ...

    async def register_failure(self, code_id: uuid.UUID) -> None: ...

    async def consume(self, code_id: uuid.UUID, now: datetime) -> bool: ...

    async def locked_until(self, email_hash: bytes, now: datetime) -> datetime | None:
        """The end of the address's current lock, if it is locked."""
        ...

    async def lock(
        self, lock_id: uuid.UUID, email_hash: bytes, now: datetime, until: datetime
    ) -> bool:
        """Lock the address until ``until``; False if it was locked already."""
        ...


class TelegramLoginRepository(Protocol):
    async def accept_once(self, signature_hash: bytes, expires_at: datetime, now: datetime) -> bool:
        """Remember a widget payload until it expires; False if it was used before."""
        ...


class SessionRepository(Protocol):
    async def add(
        self, session_id: uuid.UUID, user_id: uuid.UUID, token_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None: ...  # fmt: skip

    async def find(self, token_hash: bytes) -> StoredSession | None: ...

    async def touch(self, session_id: uuid.UUID, now: datetime) -> None: ...

    async def revoke(self, session_id: uuid.UUID, now: datetime) -> None: ...

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> int: ...


class ConsentRepository(Protocol):
    async def history(self, user_id: uuid.UUID) -> list[ConsentRecord]: ...

    async def add(self, user_id: uuid.UUID, record: ConsentRecord) -> None: ...


class ExportRepository(Protocol):
    async def create(self, export_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None: ...

    async def get(self, export_id: uuid.UUID, user_id: uuid.UUID) -> StoredExport | None: ...

    async def mark_ready(
        self, export_id: uuid.UUID, archive: str, token_hash: bytes, now: datetime,
        expires_at: datetime,
    ) -> None: ...  # fmt: skip

    async def mark_failed(self, export_id: uuid.UUID) -> None: ...

    async def take_for_download(
        self, export_id: uuid.UUID, user_id: uuid.UUID, token_hash: bytes, now: datetime
    ) -> str | None: ...


class ErasureRepository(Protocol):
    async def create(self, request_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None: ...

    async def mark_done(self, request_id: uuid.UUID, now: datetime) -> None: ...


class IdentityRepos(Protocol):
    @property
    def personal_data(self) -> list[PersonalDataSection]: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def login_codes(self) -> LoginCodeRepository: ...

    @property
    def telegram_logins(self) -> TelegramLoginRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def consents(self) -> ConsentRepository: ...

    @property
    def exports(self) -> ExportRepository: ...

    @property
    def erasures(self) -> ErasureRepository: ...

    @property
    def guests(self) -> GuestRecords: ...


class SecretHasher(Protocol):
    def keyed_hash(self, value: str) -> bytes:
        """A keyed hash (HMAC) for short secrets such as login codes."""
        ...


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    telegram_user_id: int
    first_name: str | None
    username: str | None
    # The payload is accepted once: SHA-256 of its signature, kept until it is stale.
    signature_hash: bytes
    accepted_until: datetime


class TelegramLoginVerifier(Protocol):
    def verify(self, data: dict[str, Any], now: datetime) -> TelegramIdentity:
        """Check the Login Widget signature and freshness; raise AuthenticationFailed."""
        ...


IdentityUoW = UnitOfWork[IdentityRepos]
