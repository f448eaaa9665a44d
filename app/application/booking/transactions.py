"""Booking's transactions: reads, and writes after which every process forgets the slot
lists and the refused starts it remembers (a hold, a cancellation or a schedule edit
changes free time)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from app.application.booking.ports import BookingRepos
from app.application.ports import UnitOfWork
from app.application.recent_reads import RecentReads, write_then_forget
from app.application.transactions import in_transaction
from app.domain.errors import SlotUnavailable

BookingUoW = UnitOfWork[BookingRepos]
T = TypeVar("T")
# (service slug, from, to, the current minute, the signed-in viewer): the key of a
# remembered slot list; the minute keeps the minimum notice honest as time passes; the
# viewer sees a slot a waitlist offer keeps for them.
SlotQuery = tuple[str, datetime, datetime, datetime, uuid.UUID | None]
# (service slug, start, format, the signed-in holder): a hold refused because the start
# was taken; the same request is refused again from memory, without a transaction.
RefusedStart = tuple[str, datetime, str, uuid.UUID | None]


class BookingTransactions:
    def __init__(
        self,
        uow: Callable[[], BookingUoW],
        slot_lists: RecentReads[SlotQuery, list[datetime]] | None = None,
        refused_starts: RecentReads[RefusedStart, bool] | None = None,
    ) -> None:
        self._uow = uow
        self.slot_lists = slot_lists if slot_lists is not None else RecentReads(0, list)
        self.refused_starts: RecentReads[RefusedStart, bool] = (
            refused_starts if refused_starts is not None else RecentReads(0, bool)
        )

    async def read(self, work: Callable[[BookingUoW], Awaitable[T]]) -> T:
        """A transaction that does not change free time."""
        return await in_transaction(self._uow, work)

    async def write(self, work: Callable[[BookingUoW], Awaitable[T]]) -> T:
        """A write that may change free time (both memories share one name, so the
        other processes forget both when this one announces the slot lists)."""
        try:
            result = await write_then_forget(self.slot_lists, self._uow, work)
        except SlotUnavailable:
            raise  # refused and rolled back: the refusals remembered still hold
        except BaseException:
            self.refused_starts.clear()
            raise
        self.refused_starts.clear()
        return result

    def forget(self) -> None:
        """Drop what this process remembers of free time."""
        self.slot_lists.clear()
        self.refused_starts.clear()
