"""A booking's life on its lead's timeline: the appointment's events (paid or confirmed
by staff, rescheduled, canceled, completed, no-show) become P0 timeline events that name
the appointment only. ``booking.held`` is written when the guest's lead is made."""

from __future__ import annotations

import uuid

from app.application.crm.service import CrmService
from app.domain.booking.appointment import (
    AppointmentCanceled,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentNoShow,
    AppointmentRescheduled,
)


class BookingSteps:
    """Event handlers; each records its step once per appointment (they may rerun)."""

    def __init__(self, crm: CrmService) -> None:
        self._crm = crm

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        step = "booking.confirmed" if event.by_staff else "booking.paid"
        await self._crm.record_booking_step(uuid.UUID(event.aggregate_id), step)

    async def on_rescheduled(self, event: AppointmentRescheduled) -> None:
        await self._crm.record_booking_step(
            uuid.UUID(event.aggregate_id), "booking.rescheduled",
            {"new_appointment": event.new_appointment_id},
        )  # fmt: skip

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        await self._crm.record_booking_step(uuid.UUID(event.aggregate_id), "booking.canceled")

    async def on_completed(self, event: AppointmentCompleted) -> None:
        await self._crm.record_booking_step(uuid.UUID(event.aggregate_id), "booking.completed")

    async def on_no_show(self, event: AppointmentNoShow) -> None:
        await self._crm.record_booking_step(uuid.UUID(event.aggregate_id), "booking.no_show")
