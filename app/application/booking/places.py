"""Staff set or change where one appointment happens (its meeting link or address);
the client is told at once if the session is already confirmed (a held one learns it
with its confirmation). Audited, optimistic (If-Match: the appointment's version)."""

from __future__ import annotations

import uuid

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.callers import BOOKING_STAFF
from app.application.booking.messages import queue_appointment_message
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.booking.place import Place, checked_location, checked_meeting_url
from app.domain.errors import NotFound, ValidationFailed, VersionConflict
from app.domain.shared.links import SiteLinks


class AppointmentPlaces:
    def __init__(self, tx: BookingTransactions, links: SiteLinks) -> None:
        self._tx = tx
        self._links = links

    async def change(
        self, actor: Principal, appointment_id: uuid.UUID, meeting_url: str | None,
        location_text: str | None, expected_version: int | None = None,
    ) -> Appointment:  # fmt: skip
        ensure_roles(actor, *BOOKING_STAFF)
        place = Place(checked_meeting_url(meeting_url), checked_location(location_text))

        async def work(uow: BookingUoW) -> Appointment:
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            if expected_version is not None and appointment.version != expected_version:
                raise VersionConflict()
            if appointment.format == "online" and place.meeting_url is None:
                raise ValidationFailed("an online session needs a link", field="meeting_url")
            if appointment.format == "offline" and place.location_text is None:
                raise ValidationFailed(
                    "an in-person session needs an address", field="location_text"
                )
            if not appointment.change_place(place):
                return appointment
            await uow.repos.appointments.save(appointment)
            await audit_action(
                uow, actor, "appointment.place_changed", "appointment", str(appointment.id),
                {"format": appointment.format},
            )  # fmt: skip
            if appointment.status is AppointmentStatus.CONFIRMED:
                await queue_appointment_message(
                    uow, appointment, "booking.location_changed",
                    f"where:v{appointment.version}", self._links,
                )  # fmt: skip
            return appointment

        return await self._tx.read(work)
