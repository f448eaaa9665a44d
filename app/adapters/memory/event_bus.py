"""The seeds' InMemoryEventBus: delivers events synchronously to registered handlers."""

from __future__ import annotations

from collections.abc import Iterable

from app.application.events import EventHandlers
from app.domain.shared.events import DomainEvent


class InMemoryEventBus:
    def __init__(self, handlers: EventHandlers) -> None:
        self._handlers = handlers
        self.published: list[DomainEvent] = []

    async def publish(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.published.append(event)
            for subscription in self._handlers.subscriptions(event.event_type):
                await subscription.handler(event)
