"""An in-memory unit of work for unit tests of use cases.

It holds whatever repository fakes a test gives it; on commit it records the audit
entries and notifications and hands the events to the in-memory bus. Leaving the
block without commit discards them, as the real one rolls back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Generic, Self, TypeVar

from app.adapters.memory.event_bus import InMemoryEventBus
from app.application.ports import AuditEntry, NotificationRequest
from app.domain.shared.events import Aggregate, DomainEvent
from app.domain.shared.privacy import ensure_p0

R = TypeVar("R")


class _Audit:
    def __init__(self) -> None:
        self.pending: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        ensure_p0(entry.details, where="audit details")
        self.pending.append(entry)


class _Notifications:
    def __init__(self, sent_keys: set[str]) -> None:
        self.pending: list[NotificationRequest] = []
        self._sent_keys = sent_keys

    async def enqueue(self, request: NotificationRequest) -> bool:
        known = {r.dedupe_key for r in self.pending} | self._sent_keys
        if request.dedupe_key in known:
            return False
        self.pending.append(request)
        return True


class InMemoryUnitOfWork(Generic[R]):
    def __init__(self, repos: R, bus: InMemoryEventBus) -> None:
        self._repos = repos
        self._bus = bus
        self.committed = False
        self.audit_log: list[AuditEntry] = []
        self.notifications_queued: list[NotificationRequest] = []
        self._reset()

    def _reset(self) -> None:
        self._audit = _Audit()
        self._notifications = _Notifications({n.dedupe_key for n in self.notifications_queued})
        self._tracked: list[Aggregate] = []
        self._published: list[DomainEvent] = []

    @property
    def repos(self) -> R:
        return self._repos

    @property
    def audit(self) -> _Audit:
        return self._audit

    @property
    def notifications(self) -> _Notifications:
        return self._notifications

    def track(self, aggregate: Aggregate) -> None:
        if aggregate not in self._tracked:
            self._tracked.append(aggregate)

    def publish(self, *events: DomainEvent) -> None:
        self._published.extend(events)

    async def commit(self) -> None:
        events = list(self._published)
        for aggregate in self._tracked:
            events.extend(aggregate.pull_events())
        self.audit_log.extend(self._audit.pending)
        self.notifications_queued.extend(self._notifications.pending)
        self.committed = True
        self._reset()
        await self._bus.publish(events)

    async def __aenter__(self) -> Self:
        self._reset()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._reset()
