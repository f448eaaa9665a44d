"""A short memory for reads that change rarely, per process, bounded in size.

The Google Calendar adapter keeps the practitioner's busy time for a minute. And two
reads dominate the public site's traffic and change only when someone writes:
a published item by its slug (``CONTENT_CACHE_SECONDS``) and the free slots of a
service for a date range (``SLOTS_CACHE_SECONDS``). Each process keeps the answers it
computed for that many seconds (0 switches it off) and forgets all of them as soon as
a write that could change them commits in the same process.

Other processes (API replicas, the worker) are told through the
:class:`MemoryInvalidation` port: after such a write commits, the writer announces the
memory's name, and every process that hears it forgets that memory too. When the
announcement cannot be sent or heard (the database listener is down), a process
answers with the previous state for at most the memory's seconds: for content that is
well inside the ``Cache-Control: public, max-age=60`` the answer carries anyway; for
slots the booking itself is checked against the database (a pre-check, the calendar
lock and the exclusion constraint), so a slot taken a moment ago elsewhere is refused
with a clear 409, never double-booked. Only found answers are kept.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar

from app.application.ports import UnitOfWork
from app.application.transactions import in_transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
T = TypeVar("T")


class MemoryInvalidation(Protocol):
    """Tells the other processes that what a named memory holds may have changed."""

    async def announce(self, memory: str) -> None:
        """Best effort: never raises; a lost announcement leaves time expiry."""
        ...


class RecentReads(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        copy: Callable[[V], V],
        max_items: int = 2048,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        name: str = "",
        invalidation: MemoryInvalidation | None = None,
    ) -> None:
        """``name`` is what a write announces through ``invalidation`` (if given)."""
        self._ttl = ttl_seconds
        self._copy = copy
        self._max = max_items
        self._now = monotonic
        self._values: dict[K, tuple[float, V]] = {}
        self.generation = 0
        """How many times this memory was cleared: a reader that started before a clear
        passes it to :meth:`put`, so what it read before the change is not kept."""
        self.name = name
        self._invalidation = invalidation

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: K) -> V | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._now() >= expires:
            self._values.pop(key, None)
            return None
        return self._copy(value)

    def put(self, key: K, value: V, *, since: int | None = None) -> None:
        """Remember ``value``; not when the memory was cleared after ``since`` (its
        :attr:`generation` when the value was read)."""
        if not self.enabled or (since is not None and since != self.generation):
            return
        if len(self._values) >= self._max:
            # Oldest first (dicts keep insertion order).
            self._values.pop(next(iter(self._values)))
        self._values[key] = (self._now() + self._ttl, self._copy(value))

    def clear(self) -> None:
        self._values.clear()
        self.generation += 1

    async def forget_everywhere(self) -> None:
        """Forget here, and tell the other processes to forget their copies."""
        self.clear()
        if self.enabled and self._invalidation is not None:
            await self._invalidation.announce(self.name)

    def __len__(self) -> int:
        return len(self._values)


async def write_then_forget(
    memory: RecentReads[K, V],
    uow: Callable[[], UnitOfWork[R]],
    work: Callable[[UnitOfWork[R]], Awaitable[T]],
) -> T:
    """Run a write that may change what ``memory`` holds; once it has committed, every
    process forgets what ``memory`` remembers; when it failed, this one does."""
    try:
        result = await in_transaction(uow, work)
    except BaseException:
        memory.clear()
        raise
    await memory.forget_everywhere()
    return result


class ProcessMemories:
    """The memories of this process by name, for whoever hears another process's
    announcement (:class:`MemoryInvalidation`). Several memories may share a name (the
    published items and the pages of published items): one announcement forgets all."""

    def __init__(self, *memories: RecentReads[Any, Any]) -> None:
        self._by_name: dict[str, list[RecentReads[Any, Any]]] = {}
        for memory in memories:
            self._by_name.setdefault(memory.name, []).append(memory)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    @property
    def any_enabled(self) -> bool:
        """False when every memory is off: there is nothing to forget."""
        return any(m.enabled for named in self._by_name.values() for m in named)

    def forget(self, name: str) -> bool:
        """Forget the memories called ``name``; False when this process has none by it."""
        named = self._by_name.get(name)
        if named is None:
            return False
        for memory in named:
            memory.clear()
        return True

    def forget_all(self) -> None:
        """After announcements may have been missed (the listener was away)."""
        for named in self._by_name.values():
            for memory in named:
                memory.clear()
