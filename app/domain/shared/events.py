"""Domain events and the aggregate base that collects them.

An event says what happened in past tense (``AppointmentConfirmed``). It carries ids
and P0 values only: it is stored in the outbox and read by handlers, so no contact
data (P1) and no health data (P2) may ever be put in one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import msgspec


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every domain event. Subclasses set ``event_type`` and ``aggregate_type``."""

    event_type: ClassVar[str]
    aggregate_type: ClassVar[str]

    event_id: uuid.UUID
    occurred_at: datetime
    aggregate_id: str


class Aggregate:
    """Base for aggregates that raise events; the unit of work collects them on commit."""

    def __init__(self) -> None:
        self._pending_events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the events raised so far (each event is handed over once)."""
        events, self._pending_events = self._pending_events, []
        return events
