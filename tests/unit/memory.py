"""What a use case runs in during a unit test: a clock the test moves, and an in-memory
unit of work whose repository fakes roll back like a transaction.

``InMemoryUnitOfWork`` discards audit entries, notifications and events when a block
is left without commit; ``RollbackUnitOfWork`` also puts the fakes' state back as it
was, so a use case that fails half-way leaves nothing behind, as in PostgreSQL.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from app.adapters.memory.event_bus import InMemoryEventBus
from app.adapters.memory.unit_of_work import InMemoryUnitOfWork
from app.application.events import EventHandlers
from app.application.recent_reads import ProcessMemories

R = TypeVar("R")
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class ManualClock:
    """The ``Clock`` port: time moves when the test says so (and by a microsecond per
    reading, so two writes never share an instant)."""

    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        self.current += timedelta(microseconds=1)
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class RollbackUnitOfWork(InMemoryUnitOfWork[R]):
    """One unit of work reused for every transaction of a test; ``state`` is the object
    whose attributes hold everything the fakes store."""

    def __init__(self, repos: R, state: object) -> None:
        super().__init__(repos, InMemoryEventBus(EventHandlers()))
        self._state = state
        self._saved: dict[str, Any] | None = None
        self.transactions = 0

    def __call__(self) -> Self:
        """The unit-of-work factory use cases are given."""
        return self

    async def __aenter__(self) -> Self:
        self._saved = copy.deepcopy(vars(self._state))
        self.transactions += 1
        return await super().__aenter__()

    async def commit(self) -> None:
        self._saved = None
        await super().commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            vars(self._state).clear()
            vars(self._state).update(self._saved)
            self._saved = None
        await super().__aexit__(exc_type, exc, tb)

    def actions(self) -> list[str]:
        """The audited actions committed so far, in order."""
        return [entry.action for entry in self.audit_log]


class AnnouncementBus:
    """The ``MemoryInvalidation`` port for processes in one test: an announcement
    reaches every process that ``hears`` (as PostgreSQL NOTIFY reaches every listener,
    the sender's own included); ``muted`` loses them (the listener is away)."""

    def __init__(self) -> None:
        self.announced: list[str] = []
        self.listeners: list[ProcessMemories] = []
        self.muted = False

    def hears(self, memories: ProcessMemories) -> None:
        self.listeners.append(memories)

    async def announce(self, memory: str) -> None:
        self.announced.append(memory)
        if not self.muted:
            for listener in self.listeners:
                listener.forget(memory)
