"""The outbox relay: delivers stored events to their handlers, at least once.

Each claimed event gets every subscribed handler that has not yet succeeded for it. A
handler that raises is retried with exponential backoff; after ``max_attempts`` the
event is parked for an operator, with its last error visible. A relay that dies
mid-batch loses nothing: its lease on the claimed events expires and another relay
takes them again (handlers are idempotent).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import msgspec
import structlog

from app.application.events import EventHandlers
from app.application.ports import Clock
from app.application.request_id import working_for
from app.domain.shared.events import DomainEvent
from app.domain.shared.retry import backoff_delay

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    event_id: uuid.UUID
    event_type: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: datetime
    attempts: int
    handled_by: tuple[str, ...]
    # The HTTP request (or event, or job run) that wrote the event; None: none known.
    request_id: str | None = None


class OutboxStore(Protocol):
    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[StoredEvent]: ...

    async def mark_handled(self, event: StoredEvent, handler: str) -> None: ...

    async def mark_processed(self, event: StoredEvent, now: datetime) -> None: ...

    async def reschedule(self, event: StoredEvent, available_at: datetime, error: str) -> None: ...

    async def park(self, event: StoredEvent, now: datetime, error: str) -> None: ...


def _ignore(_: str) -> None:
    pass


def error_label(exc: BaseException) -> str:
    """What is stored and logged about a failure: its class and code, never its text
    (messages may echo personal data)."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__}:{code}" if isinstance(code, str) else type(exc).__name__


class OutboxRelay:
    def __init__(
        self,
        store: OutboxStore,
        handlers: EventHandlers,
        clock: Clock,
        *,
        batch_size: int = 50,
        max_attempts: int = 10,
        lease: timedelta = timedelta(minutes=5),
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        # Told "processed", "retried" or "parked" for each event finished with.
        self._on_outcome = on_outcome or _ignore
        self._store = store
        self._handlers = handlers
        self._clock = clock
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._lease = lease

    async def run_once(self) -> int:
        """Deliver one batch of due events; returns how many were claimed."""
        events = await self._store.claim_due(self._clock.now(), self._lease, self._batch_size)
        for event in events:
            await self._deliver(event)
        return len(events)

    def _decode(self, stored: StoredEvent) -> DomainEvent | None:
        event_class = self._handlers.event_class(stored.event_type)
        if event_class is None:
            return None
        return msgspec.convert(
            {
                **stored.payload,
                "event_id": str(stored.event_id),
                "occurred_at": stored.occurred_at.isoformat(),
                "aggregate_id": stored.aggregate_id,
            },
            event_class,
        )

    async def _deliver(self, stored: StoredEvent) -> None:
        # Every log line of this handling, and every event or message a handler writes,
        # carries the request id stored with the event (or, failing one, the event's id).
        with working_for(
            stored.request_id or f"event-{stored.event_id.hex}",
            event_id=str(stored.event_id),
            event_type=stored.event_type,
        ):
            await self._handle(stored)

    async def _handle(self, stored: StoredEvent) -> None:
        log = logger.bind(event_type=stored.event_type, outbox_id=stored.id)
        try:
            event = self._decode(stored)
        except msgspec.ValidationError as exc:
            await self._store.park(stored, self._clock.now(), error_label(exc))
            log.error("outbox_event_undecodable")
            self._on_outcome("parked")
            return
        failure: BaseException | None = None
        if event is not None:
            for subscription in self._handlers.subscriptions(stored.event_type):
                if subscription.name in stored.handled_by:
                    continue
                try:
                    await subscription.handler(event)
                except Exception as exc:  # a handler failure must not stop the relay
                    failure = exc
                    log.warning(
                        "outbox_handler_failed",
                        handler=subscription.name,
                        attempt=stored.attempts,
                        error=error_label(exc),
                    )
                    continue
                await self._store.mark_handled(stored, subscription.name)
        now = self._clock.now()
        if failure is None:
            await self._store.mark_processed(stored, now)
            log.info("outbox_event_handled", attempt=stored.attempts)
            self._on_outcome("processed")
        elif stored.attempts >= self._max_attempts:
            await self._store.park(stored, now, error_label(failure))
            log.error("outbox_event_parked", attempts=stored.attempts, error=error_label(failure))
            self._on_outcome("parked")
        else:
            await self._store.reschedule(
                stored, now + backoff_delay(stored.attempts), error_label(failure)
            )
            self._on_outcome("retried")
