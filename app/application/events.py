"""Event handlers: which handlers run for which domain event type.

Handlers run at least once per event (the relay retries until they succeed), so each
must be idempotent: a handler that sends a message does so through a notification with
a dedupe key; one that writes does so under a unique key or a state check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from app.domain.shared.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True, slots=True)
class Subscription:
    name: str
    handler: Callable[[DomainEvent], Awaitable[None]]


class EventHandlers:
    """The registry the outbox relay (and the in-memory bus) dispatches through."""

    def __init__(self) -> None:
        self._classes: dict[str, type[DomainEvent]] = {}
        self._subscriptions: dict[str, list[Subscription]] = {}

    def register_event(self, event_class: type[DomainEvent]) -> None:
        known = self._classes.setdefault(event_class.event_type, event_class)
        if known is not event_class:
            raise ValueError(f"two event classes claim the type {event_class.event_type}")

    def subscribe(
        self, event_class: type[E], name: str, handler: Callable[[E], Awaitable[None]]
    ) -> None:
        """Run ``handler`` for every ``event_class`` event; ``name`` is stable and unique."""
        self.register_event(event_class)
        subscriptions = self._subscriptions.setdefault(event_class.event_type, [])
        if any(s.name == name for s in subscriptions):
            raise ValueError(f"handler {name} is already subscribed to {event_class.event_type}")
        subscriptions.append(Subscription(name, handler))  # type: ignore[arg-type]

    def event_class(self, event_type: str) -> type[DomainEvent] | None:
        return self._classes.get(event_type)

    def subscriptions(self, event_type: str) -> list[Subscription]:
        return list(self._subscriptions.get(event_type, ()))
