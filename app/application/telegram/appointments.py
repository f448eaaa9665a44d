"""``/my`` and its buttons: the linked user's upcoming appointments, cancelled or moved
under the same rules as the API (a ``Caller`` whose ``linked_user_id`` is the user the
Telegram account is linked to, so ownership, refunds and events are the API's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import structlog

from app.application.booking.callers import Caller
from app.application.booking.use_cases import Booking
from app.application.ports import UnitOfWork
from app.application.telegram.buttons import (
    CANCEL_PREFIX,
    MOVE_PREFIX,
    MOVE_TO_PREFIX,
    uuid_or_none,
)
from app.application.telegram.links import linked_user
from app.application.telegram.ports import Reply, TelegramDirectory, Visitor
from app.application.telegram.slots import BotSlots
from app.application.telegram.texts import BotTexts
from app.domain.booking.place import local_time_label
from app.domain.booking.refunds import refund_sentence
from app.domain.errors import InvalidState, NotFound, SlotUnavailable

logger = structlog.get_logger(__name__)

MAX_LISTED = 5
LIVE_STATUSES = frozenset({"pending_payment", "confirmed"})
STATUS_WORDS = {"pending_payment": "ожидает оплаты", "confirmed": "подтверждена"}


class BotAppointments:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork[TelegramDirectory]],
        texts: BotTexts,
        booking: Booking | None,
        slots: BotSlots,
    ) -> None:
        self._uow = uow
        self._texts = texts
        self._booking = booking
        self._slots = slots

    async def my_appointments(self, visitor: Visitor) -> list[Reply]:
        """``/my``: upcoming appointments of the linked user, each with a cancel button."""
        user_id = await linked_user(self._uow, visitor)
        if user_id is None or self._booking is None:
            link = self._texts.links.cabinet()  # where the account is linked to the bot
            return [Reply(await self._texts.render("bot.link_first", {"link": link}))]
        rows = await self._booking.client.appointments_of(user_id, upcoming=True)
        live = [row for row in rows if row.status in LIVE_STATUSES]
        if not live:
            return [Reply(await self._texts.render("bot.my_empty"))]
        replies = []
        for row in live[:MAX_LISTED]:
            text = await self._texts.render(
                "bot.my_item",
                {
                    "service_title": row.service_title,
                    "start_local": local_time_label(row.start_at, row.timezone),
                    "status": STATUS_WORDS.get(row.status, str(row.status)),
                    "manage_url": self._texts.links.appointment(row.id),
                },
            )
            buttons = (
                ("Перенести", f"{MOVE_PREFIX}{row.id}"),
                ("Отменить", f"{CANCEL_PREFIX}{row.id}"),
            )
            replies.append(Reply(text, buttons))
        return replies

    async def cancel(self, visitor: Visitor, data: str) -> Reply:
        """A cancel button: the same policy as the API (refund by the service's rules);
        a button for an appointment that changed since gets a polite answer."""
        user_id = await linked_user(self._uow, visitor)
        appointment_id = uuid_or_none(data.removeprefix(CANCEL_PREFIX))
        if user_id is None or appointment_id is None or self._booking is None:
            return Reply(await self._texts.render("bot.appointment_changed"))
        try:
            done = await self._booking.client.cancel(
                Caller(principal=None, linked_user_id=user_id), appointment_id, "client_request"
            )
        except (NotFound, InvalidState):
            return Reply(await self._texts.render("bot.appointment_changed"))
        logger.info("telegram_appointment_canceled")
        refund_text = refund_sentence(str(done.refund), done.refund.currency)
        return Reply(await self._texts.render("bot.canceled", {"refund_text": refund_text}))

    async def reschedule(self, visitor: Visitor, data: str) -> Reply:
        """A reschedule button under ``/my``: the same service's free times as buttons."""
        user_id = await linked_user(self._uow, visitor)
        appointment_id = uuid_or_none(data.removeprefix(MOVE_PREFIX))
        if user_id is None or appointment_id is None or self._booking is None:
            return Reply(await self._texts.render("bot.appointment_changed"))
        try:
            appointment = await self._booking.client.appointment(
                Caller(principal=None, linked_user_id=user_id), appointment_id
            )
        except NotFound:
            return Reply(await self._texts.render("bot.appointment_changed"))
        service = await self._slots.service(str(appointment.service_id))
        if not appointment.is_live or service is None:
            return Reply(await self._texts.render("bot.appointment_changed"))
        buttons = await self._slots.buttons(service, f"{MOVE_TO_PREFIX}{appointment_id}:", user_id)
        if not buttons:
            link = self._texts.links.appointment(appointment_id)
            return Reply(await self._texts.render("bot.book_no_slots", {"link": link}))
        return Reply(
            await self._texts.render(
                "bot.reschedule_choose_slot",
                {"service_title": service.title, "timezone": await self._slots.zone_label()},
            ),
            buttons,
        )

    async def reschedule_to(self, visitor: Visitor, data: str) -> Reply:
        """A time button after "reschedule": the same rules as the API (the service's
        reschedule window; a taken time is refused and nothing moves)."""
        user_id = await linked_user(self._uow, visitor)
        id_part, _, stamp = data.removeprefix(MOVE_TO_PREFIX).partition(":")
        appointment_id = uuid_or_none(id_part)
        if user_id is None or appointment_id is None or not stamp.isdigit() or not self._booking:
            return Reply(await self._texts.render("bot.appointment_changed"))
        caller = Caller(principal=None, linked_user_id=user_id)
        start = datetime.fromtimestamp(int(stamp), tz=UTC)
        try:
            moved = await self._booking.client.reschedule(caller, appointment_id, start)
        except NotFound:
            return Reply(await self._texts.render("bot.appointment_changed"))
        except SlotUnavailable:
            return Reply(await self._texts.render("bot.book_taken"))
        except InvalidState:
            return Reply(await self._reschedule_refusal(self._booking, caller, appointment_id))
        service = await self._slots.service(str(moved.service_id))
        logger.info("telegram_appointment_rescheduled")
        start_local = local_time_label(moved.session.start, moved.timezone)
        return Reply(
            await self._texts.render(
                "bot.rescheduled",
                {"service_title": service.title if service else "", "start_local": start_local},
            )
        )

    async def _reschedule_refusal(
        self, booking: Booking, caller: Caller, appointment_id: UUID
    ) -> str:
        """Why a live appointment cannot move: too close to the start (or no longer live)."""
        appointment = await booking.client.appointment(caller, appointment_id)
        service = await self._slots.service(str(appointment.service_id))
        if not appointment.is_live or service is None:
            return await self._texts.render("bot.appointment_changed")
        return await self._texts.render(
            "bot.reschedule_closed",
            {"hours": str(service.reschedule_min_hours),
             "link": self._texts.links.appointment(appointment_id)},
        )  # fmt: skip
