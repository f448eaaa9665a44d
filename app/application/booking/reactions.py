"""What follows an appointment's events once they are committed (through the outbox,
retried on failure): the client's messages and the practitioner's calendar."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.application.booking.calendar_invitations import Change, appointment_invitation, site_host
from app.application.booking.messages import queue_appointment_message
from app.application.booking.ports import CalendarGateway
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.appointment import (
    Appointment,
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
    AppointmentStatus,
)
from app.domain.booking.refunds import refund_sentence

DEFAULT_EVENT_TITLE = "Консультация"


class AppointmentMessages:
    """What the client is told."""

    def __init__(self, tx: BookingTransactions, public_base_url: str) -> None:
        self._tx = tx
        self._public_base_url = public_base_url

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        await self._notify(
            uuid.UUID(event.aggregate_id), "booking.confirmed", "confirmed",
            calendar=("confirmed", event.occurred_at),
        )  # fmt: skip

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        """The cancellation message; a payment the client gave up (or the provider
        declined) gets the payment-failed message instead, with the way to book again."""
        booking_url = f"{self._public_base_url}/"
        if event.reason == "payment_canceled":
            await self._notify(
                uuid.UUID(event.aggregate_id), "payment.failed", "payment_failed",
                {"booking_url": booking_url},
            )  # fmt: skip
            return
        refund = refund_sentence(event.refund_amount, event.currency)
        await self._notify(
            uuid.UUID(event.aggregate_id), "booking.canceled", "canceled",
            {"refund_text": refund, "booking_url": booking_url},
            calendar=("canceled", event.occurred_at),
        )  # fmt: skip

    async def on_rescheduled(self, event: AppointmentRescheduled) -> None:
        await self._notify(
            uuid.UUID(event.new_appointment_id), "booking.rescheduled", "rescheduled",
            calendar=("rescheduled", event.occurred_at),
        )  # fmt: skip

    async def _notify(
        self, appointment_id: uuid.UUID, template: str, key: str,
        extra: dict[str, str] | None = None, calendar: tuple[Change, datetime] | None = None,
    ) -> None:  # fmt: skip
        async def work(uow: BookingUoW) -> None:
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is not None:
                invitation = None if calendar is None else await appointment_invitation(
                    uow, appointment, calendar[0], stamp=calendar[1],
                    host=site_host(self._public_base_url),
                )  # fmt: skip
                await queue_appointment_message(
                    uow, appointment, template, key, self._public_base_url, extra,
                    invitation=invitation,
                )  # fmt: skip

        await self._tx.read(work)


class CalendarSync:
    """The practitioner's external calendar follows confirmed appointments."""

    def __init__(self, tx: BookingTransactions, calendar: CalendarGateway | None) -> None:
        self._tx = tx
        self._calendar = calendar

    async def calendar_add(self, event: AppointmentConfirmed) -> None:
        if self._calendar is None:
            return

        async def work(uow: BookingUoW) -> tuple[Appointment, str] | None:
            appointment = await uow.repos.appointments.get(uuid.UUID(event.aggregate_id))
            if appointment is None or appointment.status is not AppointmentStatus.CONFIRMED:
                return None
            service = await uow.repos.services.get(appointment.service_id)
            return appointment, service.title if service else DEFAULT_EVENT_TITLE

        found = await self._tx.read(work)
        if found is not None:
            appointment, title = found
            await self._calendar.upsert_event(appointment.id, appointment.session, title)

    async def calendar_remove(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        if self._calendar is not None:
            await self._calendar.delete_event(uuid.UUID(event.aggregate_id))
