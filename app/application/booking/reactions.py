"""What follows an appointment's events once they are committed (through the outbox,
retried on failure): the client's messages and the practitioner's calendar."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from app.application.booking.calendar_invitations import Change, appointment_invitation, site_host
from app.application.booking.messages import queue_appointment_message
from app.application.booking.ports import CalendarEvent, CalendarGateway
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.appointment import (
    Appointment,
    AppointmentCanceled,
    AppointmentConfirmed,
    AppointmentRescheduled,
    AppointmentStatus,
)
from app.domain.booking.refunds import refund_sentence
from app.domain.shared.links import SiteLinks

DEFAULT_EVENT_TITLE = "Консультация"


class AppointmentMessages:
    """What the client is told."""

    def __init__(self, tx: BookingTransactions, links: SiteLinks) -> None:
        self._tx = tx
        self._links = links

    async def on_confirmed(self, event: AppointmentConfirmed) -> None:
        await self._notify(
            uuid.UUID(event.aggregate_id), "booking.confirmed", "confirmed",
            calendar=("confirmed", event.occurred_at),
        )  # fmt: skip

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        """The cancellation message; a payment the client gave up (or the provider
        declined) gets the payment-failed message instead, with the way to book again
        (the service's page, where a new time is chosen)."""
        if event.reason == "payment_canceled":
            await self._notify(
                uuid.UUID(event.aggregate_id), "payment.failed", "payment_failed",
                book_again=True,
            )  # fmt: skip
            return
        refund = refund_sentence(event.refund_amount, event.currency)
        await self._notify(
            uuid.UUID(event.aggregate_id), "booking.canceled", "canceled",
            {"refund_text": refund}, book_again=True,
            calendar=("canceled", event.occurred_at),
        )  # fmt: skip

    async def on_rescheduled(self, event: AppointmentRescheduled) -> None:
        await self._notify(
            uuid.UUID(event.new_appointment_id), "booking.rescheduled", "rescheduled",
            calendar=("rescheduled", event.occurred_at),
        )  # fmt: skip

    async def _notify(
        self, appointment_id: uuid.UUID, template: str, key: str,
        extra: dict[str, str] | None = None, *, book_again: bool = False,
        calendar: tuple[Change, datetime] | None = None,
    ) -> None:  # fmt: skip
        async def work(uow: BookingUoW) -> None:
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                return
            variables = dict(extra or {})
            if book_again:
                service = await uow.repos.services.get(appointment.service_id)
                variables["booking_url"] = (
                    self._links.service(service.slug) if service else self._links.booking()
                )
            invitation = None if calendar is None else await appointment_invitation(
                uow, appointment, calendar[0], stamp=calendar[1],
                host=site_host(self._links.site_url),
            )  # fmt: skip
            await queue_appointment_message(
                uow, appointment, template, key, self._links, variables, invitation=invitation
            )

        await self._tx.read(work)


class CalendarSync:
    """The practitioner's external calendar follows confirmed appointments; the event's
    id and its Meet link are written on the appointment.

    The confirmation should carry the Meet link, which exists only after the calendar
    call: this step runs before the confirmation message (it is subscribed first) and
    queues the confirmation itself with the link; the message handler's own queueing is
    then a no-op (same dedupe key). When the calendar failed and the confirmation went
    out without a link ("the link follows"), the link arrives on the retry as a
    ``booking.location_changed`` message."""

    def __init__(
        self, tx: BookingTransactions, calendar: CalendarGateway | None,
        links: SiteLinks | None = None,
    ) -> None:  # fmt: skip
        self._tx = tx
        self._calendar = calendar
        self._links = links

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
            made = await self._calendar.upsert_event(appointment.id, appointment.session, title)
            await self._record(appointment.id, made, event.occurred_at)

    async def _record(
        self, appointment_id: uuid.UUID, made: CalendarEvent, confirmed_at: datetime
    ) -> None:
        links = self._links

        async def work(uow: BookingUoW) -> None:
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None or appointment.status is not AppointmentStatus.CONFIRMED:
                return
            link = made.meeting_url if appointment.format == "online" else None
            new_link = link is not None and link != appointment.meeting_url
            if appointment.external_calendar_event_id == made.event_id and not new_link:
                return
            appointment.external_calendar_event_id = made.event_id
            if new_link:
                appointment.meeting_url = link
            await uow.repos.appointments.save(appointment)
            if not new_link or links is None:
                return
            invitation = await appointment_invitation(
                uow, appointment, "confirmed", stamp=confirmed_at, host=site_host(links.site_url)
            )
            sent_now = await queue_appointment_message(
                uow, appointment, "booking.confirmed", "confirmed", links, invitation=invitation
            )
            # Where the confirmation had already gone (without the link): tell them where.
            earlier = tuple(c for c in ("email", "telegram") if c not in sent_now)
            digest = hashlib.sha256((link or "").encode()).hexdigest()[:16]
            await queue_appointment_message(
                uow, appointment, "booking.location_changed", f"where:{digest}", links,
                channels=earlier,
            )  # fmt: skip

        await self._tx.read(work)

    async def calendar_remove(self, event: AppointmentCanceled | AppointmentRescheduled) -> None:
        if self._calendar is not None:
            await self._calendar.delete_event(uuid.UUID(event.aggregate_id))
