"""The outbox: events written with the change that raised them, the relay's store, and
the retention of stored idempotency records (queries in sql/events/)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import msgspec
from psycopg.types.json import Jsonb

from app.adapters.postgres.database import Database
from app.adapters.postgres.session import Session
from app.application.outbox_relay import StoredEvent
from app.application.request_id import current_request_id
from app.domain.shared.events import DomainEvent
from app.domain.shared.privacy import ensure_p0

_META = ("event_id", "occurred_at", "aggregate_id")


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's own fields (ids and P0 values), without the envelope fields."""
    data = msgspec.to_builtins(event)
    payload = {k: v for k, v in data.items() if k not in _META}
    ensure_p0(payload, where=f"event {event.event_type}")
    return payload


class OutboxEventBus:
    """``EventBus`` that stores events in ``outbox_events`` in the session's transaction
    and wakes listening relays when that transaction commits; each event keeps the id of
    the request (or event, or job run) it was raised for."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def publish(self, events: Iterable[DomainEvent]) -> None:
        # The relay is woken by the outbox_events_notify trigger (migration 0032).
        request_id = current_request_id()
        for event in events:
            await self._s.queries.events.insert_event(
                self._s.conn,
                event_id=event.event_id,
                event_type=event.event_type,
                aggregate_type=event.aggregate_type,
                aggregate_id=event.aggregate_id,
                payload=Jsonb(event_payload(event)),
                occurred_at=event.occurred_at,
                request_id=request_id,
            )


class PostgresOutboxStore:
    """The relay's view of ``outbox_events``; each call is its own short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.events

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[StoredEvent]:
        async with self._db.pool.connection() as conn:
            rows = [
                r
                async for r in self._q.claim_due(
                    conn, now=now, lease_until=now + lease, batch_size=limit
                )
            ]
        return [
            StoredEvent(
                id=row["id"],
                event_id=row["event_id"],
                event_type=row["event_type"],
                aggregate_id=row["aggregate_id"],
                payload=row["payload"],
                occurred_at=row["occurred_at"],
                attempts=row["attempts"],
                handled_by=tuple(row["handled_by"]),
                request_id=row["request_id"],
            )
            for row in sorted(rows, key=lambda r: r["id"])
        ]

    async def mark_handled(self, event: StoredEvent, handler: str) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.mark_handled(conn, id=event.id, handler=handler)

    async def mark_processed(self, event: StoredEvent, now: datetime) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.mark_processed(conn, id=event.id, now=now)

    async def reschedule(self, event: StoredEvent, available_at: datetime, error: str) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.reschedule(conn, id=event.id, available_at=available_at, last_error=error)

    async def park(self, event: StoredEvent, now: datetime, error: str) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.park(conn, id=event.id, now=now, last_error=error)

    async def purge_processed(self, before: datetime) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.purge_processed(conn, before=before)


class PostgresIdempotencyRecords:
    """Retention of ``idempotency_records``: a replayed request is answered from its
    record; older records only cost space (and hold an encrypted copy of the answer)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._q = database.queries.events

    async def purge(self, before: datetime) -> None:
        async with self._db.pool.connection() as conn:
            await self._q.purge_idempotency_records(conn, before=before)
