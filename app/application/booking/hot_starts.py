"""Holds racing for one start time.

When a crowd asks for the same start (a popular slot just published, a retrying
client), one request at a time goes to the database for it; the others wait for that
answer. Once a start is known to be taken (a hold for it was refused, or a new one was
made), the same request is refused again from memory, without a transaction, for as
long as the process remembers its slot lists (``SLOTS_CACHE_SECONDS``) or until a
booking write forgets them (in this process, or in another through its announcement).
A refusal read before such a write is not remembered after it.

The memory never accepts a hold: what it remembers can only refuse one. When the
request that asked fails for another reason (no consent, a bad field, the database
away), the requests that waited for it go on together, as without the memory. A slot
freed a moment ago where no announcement was made (a payment's release in another
process, a lost notification) may be refused for those seconds, as the remembered slot
lists would not show it either; the pre-check, the calendar lock and the exclusion
constraint still decide every hold that goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from app.application.booking.transactions import RefusedStart
from app.application.recent_reads import RecentReads
from app.domain.errors import SlotUnavailable


@dataclass
class Turn:
    """One request asking the database about a start; the others wait for ``done``."""

    key: RefusedStart | None
    generation: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    open: bool = False
    """Set when it failed for another reason: its waiters go on together."""


class HotStarts:
    def __init__(self, taken: RecentReads[RefusedStart, bool]) -> None:
        self._taken = taken
        self._asking: dict[RefusedStart, Turn] = {}

    @asynccontextmanager
    async def turn(
        self, key: RefusedStart | None, retried: Callable[[], Awaitable[bool]]
    ) -> AsyncIterator[Turn]:
        """This request's turn to ask the database about ``key``'s start (``None``: no
        memory for this request). Refuses at once when the start is remembered as taken,
        unless ``retried()`` says a retry must get a hold it made back. Inside, call
        :meth:`held` once a new hold is made."""
        if key is None or not self._taken.enabled:
            yield Turn(None)  # no memory: every request asks for itself, as before
            return
        while True:
            if self._taken.get(key) and not await retried():
                raise SlotUnavailable()
            asking = self._asking.get(key)
            if asking is None:
                break
            await asking.done.wait()  # then look at what it found
            if asking.open:
                yield Turn(None)  # it failed otherwise: go on without a turn
                return
        turn = Turn(key, self._taken.generation)
        self._asking[key] = turn
        try:
            yield turn
        except SlotUnavailable:
            self._taken.put(key, True, since=turn.generation)
            raise
        except BaseException:
            turn.open = True
            raise
        finally:
            turn.done.set()
            if self._asking.get(key) is turn:
                del self._asking[key]

    def held(self, turn: Turn) -> None:
        """A new hold was made in this turn: its start is taken for the next request.
        (Forgotten by the write's own commit just before, so remembered after it.)"""
        if turn.key is not None:
            self._taken.put(turn.key, True)
