"""Holds racing for one start time.

When a crowd asks for the same start (a popular slot just published, a retrying
client), one request at a time goes to the database for it; the others wait for that
answer. Once a start is known to be taken (a hold for it was refused, or made), the
same request is refused again from memory, without a transaction, for as long as the
process remembers its slot lists (``SLOTS_CACHE_SECONDS``) or until a booking write
forgets them (in this process, or in another through its announcement).

The memory never accepts a hold: what it remembers can only refuse one. A slot freed a
moment ago in a process whose announcement was lost may be refused for those seconds
(as the remembered slot lists would not show it); the pre-check, the calendar lock and
the exclusion constraint still decide every hold that goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from app.application.booking.transactions import RefusedStart
from app.application.recent_reads import RecentReads
from app.domain.errors import SlotUnavailable


class HotStarts:
    def __init__(self, taken: RecentReads[RefusedStart, bool]) -> None:
        self._taken = taken
        self._asking: dict[RefusedStart, asyncio.Event] = {}

    @asynccontextmanager
    async def turn(
        self, key: RefusedStart | None, retried: Callable[[], Awaitable[bool]]
    ) -> AsyncIterator[None]:
        """This request's turn to ask the database about ``key``'s start (``None``: no
        memory for this request). Refuses at once when the start is remembered as taken,
        unless ``retried()`` says a retry must get a hold it made back."""
        if key is None or not self._taken.enabled:
            yield  # no memory: every request asks for itself, as before
            return
        while True:
            if self._taken.get(key) and not await retried():
                raise SlotUnavailable()
            asking = self._asking.get(key)
            if asking is None:
                break
            await asking.wait()  # then look at what it found
        done = asyncio.Event()
        self._asking[key] = done
        try:
            yield
        except SlotUnavailable:
            self._taken.put(key, True)
            raise
        else:
            self._taken.put(key, True)  # held now, so taken for the next one
        finally:
            done.set()
            if self._asking.get(key) is done:
                del self._asking[key]
