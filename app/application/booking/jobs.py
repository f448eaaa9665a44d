"""Booking's periodic jobs: lapsed holds are released, reminders go out before sessions."""

from __future__ import annotations

from datetime import datetime

import structlog

from app.application.booking.messages import queue_appointment_message
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)

BATCH = 100
MAX_REMINDER_HOURS = 24 * 14


class BookingJobs:
    def __init__(
        self, tx: BookingTransactions, links: SiteLinks,
        default_reminder_offsets_hours: tuple[int, ...],
    ) -> None:  # fmt: skip
        self._tx = tx
        self._links = links
        self._default_offsets = default_reminder_offsets_hours

    async def expire_holds(self, now: datetime) -> int:
        async def work(uow: BookingUoW) -> int:
            expired = 0
            for appointment_id in await uow.repos.appointments.expired_holds(now, BATCH):
                appointment = await uow.repos.appointments.get(appointment_id)
                if appointment is not None:
                    appointment.expire_hold(now)
                    await uow.repos.appointments.save(appointment)
                    expired += 1
            return expired

        count = await self._tx.write(work)
        if count:
            logger.info("holds_expired", count=count)
        return count

    async def _reminder_offsets(self) -> tuple[int, ...]:
        """``booking.reminder_offsets_hours`` from system settings (staff may change it)."""

        async def work(uow: BookingUoW) -> object:
            return await uow.repos.settings.get("booking.reminder_offsets_hours")

        value = await self._tx.read(work)
        if isinstance(value, list) and all(
            isinstance(v, int) and 0 < v <= MAX_REMINDER_HOURS for v in value
        ):
            return tuple(value)
        return self._default_offsets

    async def send_reminders(self, now: datetime) -> int:
        sent = 0
        for hours in await self._reminder_offsets():
            label = f"{hours}h"

            async def work(uow: BookingUoW, label: str = label, hours: int = hours) -> int:
                count = 0
                due = await uow.repos.appointments.due_for_reminder(now, label, hours, BATCH)
                for appointment_id in due:
                    appointment = await uow.repos.appointments.get(appointment_id)
                    if appointment is None:
                        continue
                    await queue_appointment_message(
                        uow, appointment, "booking.reminder", f"reminder:{label}",
                        self._links,
                    )  # fmt: skip
                    appointment.reminders_sent = (*appointment.reminders_sent, label)
                    await uow.repos.appointments.save(appointment)
                    count += 1
                return count

            sent += await self._tx.read(work)
        return sent
