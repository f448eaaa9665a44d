"""``/book`` and its buttons: a linked account picks a published service, then one of
its free times, which is held for them with a payment link (the API's hold rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from app.application.booking.callers import Caller
from app.application.booking.holding import HoldRequest
from app.application.booking.use_cases import Booking
from app.application.ports import UnitOfWork
from app.application.telegram.buttons import BOOK_PREFIX, SLOT_PREFIX
from app.application.telegram.links import linked_user
from app.application.telegram.ports import Reply, TelegramDirectory, Visitor
from app.application.telegram.slots import MAX_BUTTONS, BotSlots
from app.application.telegram.texts import BotTexts
from app.domain.booking.place import local_time_label
from app.domain.errors import InvalidState, SlotUnavailable, ValidationFailed

logger = structlog.get_logger(__name__)


class BotBooking:
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

    async def book(self, visitor: Visitor) -> Reply:
        """``/book``: the published services as buttons (a linked account books as itself)."""
        if await linked_user(self._uow, visitor) is None or self._booking is None:
            link = self._texts.links.booking()
            return Reply(await self._texts.render("bot.book_on_site", {"link": link}))
        services = await self._booking.slots.services()
        buttons = tuple((s.title, f"{BOOK_PREFIX}{s.id}") for s in services[:MAX_BUTTONS])
        return Reply(await self._texts.render("bot.book_choose_service"), buttons)

    async def book_service(self, visitor: Visitor, data: str) -> Reply:
        """A service button: its next free starts (two weeks ahead) as buttons."""
        service = await self._slots.service(data.removeprefix(BOOK_PREFIX))
        if service is None or self._booking is None:
            return Reply(await self._texts.render("bot.appointment_changed"))
        viewer = await linked_user(self._uow, visitor)
        buttons = await self._slots.buttons(service, f"{SLOT_PREFIX}{service.id}:", viewer)
        if not buttons:
            link = self._texts.links.service(service.slug)
            return Reply(await self._texts.render("bot.book_no_slots", {"link": link}))
        zone = {"timezone": await self._slots.zone_label()}
        return Reply(await self._texts.render("bot.book_choose_slot", zone), buttons)

    async def book_slot(self, visitor: Visitor, data: str) -> Reply:
        """A time button: hold it for the linked user and give the payment link."""
        user_id = await linked_user(self._uow, visitor)
        service_part, _, stamp = data.removeprefix(SLOT_PREFIX).partition(":")
        service = await self._slots.service(service_part)
        if user_id is None or service is None or not stamp.isdigit() or self._booking is None:
            return Reply(await self._texts.render("bot.appointment_changed"))
        start = datetime.fromtimestamp(int(stamp), tz=UTC)
        request = HoldRequest(
            service_slug=service.slug, start_at=start,
            format="online" if service.format in ("online", "hybrid") else "offline",
            timezone=(await self._slots.zone()).key, metadata={"source": "telegram"},
        )  # fmt: skip
        try:
            held = await self._booking.holding.hold(
                Caller(principal=None, linked_user_id=user_id), request
            )
        except (SlotUnavailable, InvalidState, ValidationFailed):
            return Reply(await self._texts.render("bot.book_taken"))
        logger.info("telegram_booking_held")
        zone = await self._slots.zone()
        hold_until = held.appointment.hold_expires_at or start
        variables = {
            "service_title": service.title,
            "start_local": local_time_label(start, held.appointment.timezone),
            "hold_expires_local": hold_until.astimezone(zone).strftime("%H:%M"),
            "payment_url": held.confirmation_url,
        }
        return Reply(await self._texts.render("bot.book_held", variables))
