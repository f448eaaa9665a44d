"""Ports shared by every context: what use cases need from the outside world.

Adapters implement these Protocols; use cases depend only on them. Context-specific
ports (payment gateway, calendar, ...) live with their context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import msgspec

from app.domain.notifications.calendar_invitation import CalendarInvitation
from app.domain.shared.events import Aggregate, DomainEvent

R_co = TypeVar("R_co", covariant=True)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class Cipher(Protocol):
    """Encryption of P2 values (the seeds' EncryptionService).

    ``context`` is the associated data ``"<table>.<column>:<row id>"``: a value only
    decrypts where it was written.
    """

    def encrypt(self, plaintext: str, context: str) -> str: ...

    def decrypt(self, token: str, context: str) -> str: ...


class EventBus(Protocol):
    """The seeds' IEventBus. In production it is the outbox (events are stored in the
    transaction of the change and delivered by the relay); in unit tests, in memory."""

    async def publish(self, events: Iterable[DomainEvent]) -> None: ...


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One audit-log line: who did what to which entity. ``details`` is P0 only."""

    actor_id: str | None
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class AuditTrail(Protocol):
    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry`` in the current transaction."""
        ...


class NotificationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One message to send, once: ``dedupe_key`` makes a repeated request a no-op.

    ``to`` (an address or chat id) and ``variables`` are kept encrypted until sent;
    variables fill the template's placeholders and must never hold P2 data. An e-mail
    may carry a calendar ``invitation`` (kept encrypted the same way).
    """

    channel: str
    template_code: str
    recipient_kind: str
    recipient_id: str
    dedupe_key: str
    to: str
    variables: dict[str, str] = msgspec.field(default_factory=dict)
    locale: str = "ru"
    invitation: CalendarInvitation | None = None


class NotificationOutbox(Protocol):
    async def enqueue(self, request: NotificationRequest) -> bool:
        """Queue the message in the current transaction; False if already queued."""
        ...


class UnitOfWork(Protocol[R_co]):
    """One transaction. Leaving the block without ``commit()`` rolls everything back.

    On commit, the events of tracked aggregates and published events are written to
    the outbox in the same transaction.
    """

    @property
    def repos(self) -> R_co: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def notifications(self) -> NotificationOutbox: ...

    def track(self, aggregate: Aggregate) -> None: ...

    def publish(self, *events: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


EventHandler = Callable[[Any], Awaitable[None]]
