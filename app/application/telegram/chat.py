"""The bot's chat as the aiogram adapter sees it: each command, button press and
update handed to its use case (``/start``, ``/book``, ``/my``, the conversation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.application.telegram.appointments import BotAppointments
from app.application.telegram.booking import BotBooking
from app.application.telegram.buttons import (
    BOOK_PREFIX,
    CANCEL_PREFIX,
    CONSENT_NO,
    CONSENT_YES,
    MOVE_PREFIX,
    MOVE_TO_PREFIX,
    SLOT_PREFIX,
)
from app.application.telegram.concierge import PREFIX as CONCIERGE_PREFIX
from app.application.telegram.concierge import BotConcierge
from app.application.telegram.conversation import Conversation
from app.application.telegram.ports import Reply, Visitor
from app.application.telegram.start import StartBot


class BotChat:
    def __init__(
        self,
        start: StartBot,
        conversation: Conversation,
        appointments: BotAppointments,
        booking: BotBooking,
        concierge: BotConcierge | None = None,
    ) -> None:
        self._start = start
        self._conversation = conversation
        self._appointments = appointments
        self._booking = booking
        self._concierge = concierge

    async def first_delivery(self, update_id: int) -> bool:
        return await self._conversation.first_delivery(update_id)

    async def start(self, visitor: Visitor, code: str | None) -> list[Reply]:
        return await self._start.start(visitor, code)

    async def press(self, visitor: Visitor, data: str) -> Reply | None:
        """An inline button; None for data no current button carries (a stale one)."""
        if data in (CONSENT_YES, CONSENT_NO):
            return Reply(await self._conversation.consent(visitor, data == CONSENT_YES))
        routes: tuple[tuple[str, Callable[[Visitor, str], Awaitable[Reply]]], ...] = (
            (CANCEL_PREFIX, self._appointments.cancel),
            (MOVE_PREFIX, self._appointments.reschedule),
            (MOVE_TO_PREFIX, self._appointments.reschedule_to),
            (BOOK_PREFIX, self._booking.book_service),
            (SLOT_PREFIX, self._booking.book_slot),
        )
        if self._concierge is not None and data.startswith(CONCIERGE_PREFIX):
            return await self._concierge.press(visitor, data)
        for prefix, handle in routes:
            if data.startswith(prefix):
                return await handle(visitor, data)
        return None

    async def book(self, visitor: Visitor) -> Reply:
        return await self._booking.book(visitor)

    async def pick(self, visitor: Visitor, text: str | None = None) -> Reply:
        """``/pick``: the booking concierge (``/book`` when it is not there)."""
        if self._concierge is None:
            return await self._booking.book(visitor)
        return await self._concierge.start(visitor, text)

    async def concierge_text(self, visitor: Visitor, text: str) -> Reply:
        """Words answering the concierge (a reply to one of the bot's messages)."""
        if self._concierge is None:
            return Reply(await self._conversation.free_text(visitor, text))
        return await self._concierge.text(visitor, text)

    async def my_appointments(self, visitor: Visitor) -> list[Reply]:
        return await self._appointments.my_appointments(visitor)

    async def stop(self, visitor: Visitor) -> str:
        return await self._conversation.stop(visitor)

    async def help(self) -> str:
        return await self._conversation.help()

    async def free_text(self, visitor: Visitor, text: str) -> str:
        return await self._conversation.free_text(visitor, text)
