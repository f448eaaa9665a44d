"""The identity model and its rules: roles, sessions, login codes, consents."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.errors import ConsentRequired, InvalidState, ValidationFailed
from app.domain.shared.contact import Email, Phone


class Role(StrEnum):
    OWNER = "owner"
    ASSISTANT = "assistant"
    EDITOR = "editor"
    CLIENT = "client"


STAFF_ROLES = frozenset({Role.OWNER, Role.ASSISTANT, Role.EDITOR})


class UserStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    DELETED = "deleted"


class ConsentType(StrEnum):
    PERSONAL_DATA = "personal_data"
    HEALTH_DATA = "health_data"
    COMMUNICATIONS = "communications"
    TELEGRAM = "telegram"
    REVIEW_PUBLICATION = "review_publication"


class ConsentSource(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"
    ADMIN = "admin"


LOCALES = frozenset({"ru", "en"})


@dataclass
class User:
    id: uuid.UUID
    email: Email | None
    phone: Phone | None
    telegram_user_id: int | None
    display_name: str | None
    timezone: str
    locale: str
    status: UserStatus
    roles: frozenset[Role]
    created_at: datetime
    version: int = 1
    email_verified_at: datetime | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def can_log_in(self) -> bool:
        return self.status is UserStatus.ACTIVE


def validate_display_name(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 100:
        raise ValidationFailed("display_name must be 1 to 100 characters")
    return value


def validate_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("timezone must be an IANA time zone such as Europe/Moscow") from None
    return value


def validate_locale(value: str) -> str:
    if value not in LOCALES:
        raise ValidationFailed("locale must be ru or en")
    return value


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: since the last use (idle) and at all (lifetime)."""

    idle: timedelta
    lifetime: timedelta

    def expires_at(self, created_at: datetime) -> datetime:
        return created_at + self.lifetime

    def is_alive(self, *, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now < created_at + self.lifetime and now < last_seen_at + self.idle


@dataclass(frozen=True, slots=True)
class SessionPolicies:
    client: SessionPolicy
    staff: SessionPolicy

    def for_roles(self, roles: frozenset[Role]) -> SessionPolicy:
        return self.staff if roles & STAFF_ROLES else self.client


@dataclass(frozen=True, slots=True)
class LoginCodePolicy:
    """6 digits, 10 minutes, single use, 5 wrong guesses; a few codes per window."""

    ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    codes_per_window: int = 3
    window: timedelta = timedelta(minutes=15)


def new_login_code() -> str:
    """Six random digits from the OS's CSPRNG."""
    return f"{secrets.randbelow(1_000_000):06d}"


def new_token() -> str:
    """An opaque 256-bit bearer token (URL-safe); only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    consent_type: ConsentType
    granted: bool
    document_version: str
    source: ConsentSource
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentState:
    """The current consent of each type: its latest record."""

    records: dict[ConsentType, ConsentRecord] = field(default_factory=dict)

    @classmethod
    def from_history(cls, history: list[ConsentRecord]) -> ConsentState:
        latest: dict[ConsentType, ConsentRecord] = {}
        for record in sorted(history, key=lambda r: r.created_at):
            latest[record.consent_type] = record
        return cls(latest)

    def has(self, consent_type: ConsentType) -> bool:
        record = self.records.get(consent_type)
        return record is not None and record.granted

    def require(self, consent_type: ConsentType) -> None:
        """The one shared check: raise ``ConsentRequired`` unless granted now."""
        if not self.has(consent_type):
            raise ConsentRequired(f"The {consent_type.value} consent is required for this.")


def ensure_can_grant_roles(actor_roles: frozenset[Role], roles: frozenset[Role]) -> None:
    if Role.OWNER not in actor_roles:
        raise InvalidState("Only the owner manages staff.")
    if not roles:
        raise ValidationFailed("at least one role is required")
