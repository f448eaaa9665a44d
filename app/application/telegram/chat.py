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
    ) -> None:
        self._start = start
        self._conversation = conversation
        self._appointments = appointments
        self._booking = booking

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
        for prefix, handle in routes:
            if data.startswith(prefix):
                return await handle(visitor, data)
        return None

    async def book(self, visitor: Visitor) -> Reply:
        return await self._booking.book(visitor)

    async def my_appointments(self, visitor: Visitor) -> list[Reply]:
        return await self._appointments.my_appointments(visitor)

    async def stop(self, visitor: Visitor) -> str:
        return await self._conversation.stop(visitor)

    async def help(self) -> str:
        return await self._conversation.help()

    async def free_text(self, visitor: Visitor, text: str) -> str:
        return await self._conversation.free_text(visitor, text)
