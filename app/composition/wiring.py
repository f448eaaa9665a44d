"""What a context builder hands the root to register: subscriptions, jobs, routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from app.application.events import EventHandlers
from app.application.scheduler import PeriodicJob, Scheduler
from app.domain.shared.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True, slots=True)
class EventSubscription:
    event: type[DomainEvent]
    name: str
    handler: Callable[[Any], Awaitable[None]]


def on(event: type[E], name: str, handler: Callable[[E], Awaitable[None]]) -> EventSubscription:
    """``handler`` runs for every ``event``; ``name`` is stable and unique per event."""
    return EventSubscription(event, name, handler)


def provide(value: object) -> Provide:
    """A Litestar dependency that hands out ``value``, built once by the root."""
    return Provide(lambda: value, sync_to_thread=False)


@dataclass(frozen=True, slots=True)
class Wiring:
    """A context's part in the process: the events it reacts to (and the event classes
    it relays without reacting), its periodic jobs, its HTTP controllers and the
    dependencies those controllers are given."""

    subscriptions: tuple[EventSubscription, ...] = ()
    events: tuple[type[DomainEvent], ...] = ()
    jobs: tuple[PeriodicJob, ...] = ()
    controllers: tuple[ControllerRouterHandler, ...] = ()
    dependencies: Mapping[str, Provide] = field(default_factory=dict)

    def register(self, handlers: EventHandlers, scheduler: Scheduler) -> None:
        for subscription in self.subscriptions:
            handlers.subscribe(subscription.event, subscription.name, subscription.handler)
        for event_class in self.events:
            handlers.register_event(event_class)
        for job in self.jobs:
            scheduler.register(job)
