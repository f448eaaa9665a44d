"""The practice's services and free times as the bot offers them: a service found by
the id a button carries, its next free starts as buttons, local time in the
practice's zone (the ``practitioner.timezone`` setting)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from app.application.booking.practice_zone import DEFAULT_PRACTICE_TIMEZONE
from app.application.booking.use_cases import Booking
from app.application.ports import Clock
from app.application.telegram.buttons import uuid_or_none
from app.domain.booking.service import Service

MAX_BUTTONS = 8
SLOT_HORIZON = timedelta(days=14)


class BotSlots:
    def __init__(self, booking: Booking | None, *, clock: Clock) -> None:
        self._booking = booking
        self._clock = clock

    async def service(self, value: str) -> Service | None:
        """The published service whose id is ``value``; None for anything else."""
        service_id = uuid_or_none(value)
        if self._booking is None or service_id is None:
            return None
        return next((s for s in await self._booking.slots.services() if s.id == service_id), None)

    async def buttons(
        self, service: Service, prefix: str, viewer: uuid.UUID | None = None
    ) -> tuple[tuple[str, str], ...]:
        """The service's next free starts (two weeks ahead) as buttons ``prefix<epoch>``;
        a slot a waitlist offer keeps for ``viewer`` is among them."""
        if self._booking is None:
            return ()
        now = self._clock.now()
        starts = await self._booking.slots.slots(service.slug, now, now + SLOT_HORIZON, viewer)
        zone = await self.zone()
        return tuple(
            (start.astimezone(zone).strftime("%d.%m %H:%M"), f"{prefix}{int(start.timestamp())}")
            for start in starts[:MAX_BUTTONS]
        )

    async def zone_label(self) -> str:
        """The practice's zone as a message names it: "Europe/Moscow, UTC+03:00"."""
        zone = await self.zone()
        offset = self._clock.now().astimezone(zone).strftime("%z")
        return f"{zone.key}, UTC{offset[:3]}:{offset[3:]}"

    async def zone(self) -> ZoneInfo:
        """The practice's zone as staff set it (``practitioner.timezone``)."""
        if self._booking is None:
            return ZoneInfo(DEFAULT_PRACTICE_TIMEZONE)
        return ZoneInfo(await self._booking.slots.practice_timezone())
