"""A short memory for reads that change rarely, per process, bounded in size.

The Google Calendar adapter keeps the practitioner's busy time for a minute. And two
reads dominate the public site's traffic and change only when someone writes:
a published item by its slug (``CONTENT_CACHE_SECONDS``) and the free slots of a
service for a date range (``SLOTS_CACHE_SECONDS``). Each process keeps the answers it
computed for that many seconds (0 switches it off) and forgets all of them as soon as
a write that could change them commits in the same process. Another process may
answer with the previous state for at most that long: for content that is well inside
the ``Cache-Control: public, max-age=60`` the answer carries anyway; for slots the
booking itself is checked against the database (a pre-check, the calendar lock and
the exclusion constraint), so a slot taken a moment ago elsewhere is refused with a
clear 409, never double-booked. Only found answers are kept.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from app.application.ports import UnitOfWork
from app.application.transactions import in_transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
T = TypeVar("T")


class RecentReads(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        copy: Callable[[V], V],
        max_items: int = 2048,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._copy = copy
        self._max = max_items
        self._now = monotonic
        self._values: dict[K, tuple[float, V]] = {}

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

    def put(self, key: K, value: V) -> None:
        if not self.enabled:
            return
        if len(self._values) >= self._max:
            # Oldest first (dicts keep insertion order).
            self._values.pop(next(iter(self._values)))
        self._values[key] = (self._now() + self._ttl, self._copy(value))

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


async def write_then_forget(
    memory: RecentReads[K, V],
    uow: Callable[[], UnitOfWork[R]],
    work: Callable[[UnitOfWork[R]], Awaitable[T]],
) -> T:
    """Run a write that may change what ``memory`` holds; once it has committed (or
    failed), this process forgets everything ``memory`` remembers."""
    try:
        return await in_transaction(uow, work)
    finally:
        memory.clear()
