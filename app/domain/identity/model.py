"""The identity model and its rules: roles, sessions, login codes, consents."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
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
    # Client free text may be sent to a language model (the assistants).
    AI_PROCESSING = "ai_processing"


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
    phone_verified_at: datetime | None = None
    """A phone is a claim until confirmed by a code sent to it; unverified, it grants
    nothing and is matched to nothing."""

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
    """6 digits, 10 minutes, single use, 5 wrong guesses. Per address: a few codes per
    window, each further code only after a longer pause than the one before, and a
    day's lock after too many wrong guesses in a day, so that codes cannot be guessed
    slowly forever (about 20 guesses a day instead of 1,440)."""

    ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    codes_per_window: int = 3
    window: timedelta = timedelta(minutes=15)
    first_pause: timedelta = timedelta(seconds=30)
    longest_pause: timedelta = timedelta(hours=1)
    failures_before_lock: int = 20
    failure_window: timedelta = timedelta(hours=24)
    lock_duration: timedelta = timedelta(hours=24)

    def pause_after(self, codes_sent: int) -> timedelta:
        """The pause between the latest code and the next, after ``codes_sent`` codes
        within ``failure_window``: none before the first, 30 s before the second, then
        twice the previous pause, up to ``longest_pause``."""
        if codes_sent <= 0:
            return timedelta(0)
        doublings = min(codes_sent - 1, 16)  # 30 s x 2^16 is far beyond the cap
        return min(self.first_pause * (1 << doublings), self.longest_pause)

    def wait_before_next_code(self, sent_at: Sequence[datetime], now: datetime) -> timedelta:
        """How long the address must wait for another code (zero: it may have one now).
        ``sent_at`` are the times codes were sent to it within ``failure_window``."""
        if not sent_at:
            return timedelta(0)
        newest_first = sorted(sent_at, reverse=True)
        wait = newest_first[0] + self.pause_after(len(newest_first)) - now
        in_window = [t for t in newest_first if t > now - self.window]
        if len(in_window) >= self.codes_per_window:
            oldest_counted = in_window[self.codes_per_window - 1]
            wait = max(wait, oldest_counted + self.window - now)
        return max(wait, timedelta(0))

    def locks_after(self, failures: int) -> bool:
        """Whether ``failures`` wrong guesses within ``failure_window`` lock the address."""
        return failures >= self.failures_before_lock


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
