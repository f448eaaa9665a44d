"""Moving an appointment: the old slot is freed and the new one held in one transaction;
the payment follows, and a confirmed appointment stays confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.application.booking.offers import kept_for_others
from app.application.booking.practice_zone import practice_rules
from app.application.booking.transactions import BookingUoW
from app.domain.booking.appointment import Appointment
from app.domain.booking.availability import is_bookable
from app.domain.booking.service import Service
from app.domain.errors import InvalidState, NotFound, SlotUnavailable
from app.domain.shared.time_range import TimeRange


async def live_with_service(uow: BookingUoW, appointment: Appointment) -> Service:
    """The service of an appointment that can still be moved."""
    if not appointment.is_live:
        raise InvalidState(f"Not possible for a {appointment.status.value} appointment.")
    service = await uow.repos.services.get(appointment.service_id)
    if service is None:
        raise NotFound()
    return service


async def move_appointment(
    uow: BookingUoW, old: Appointment, service: Service, start_at: datetime, now: datetime,
    hold_minutes: int,
) -> Appointment:  # fmt: skip
    rules = service.slot_rules
    await uow.repos.appointments.lock_calendar()
    new = Appointment.hold(
        service_id=service.id, client_user_id=old.client_user_id, lead_id=old.lead_id,
        contact_identity_id=old.contact_identity_id,
        session=TimeRange(start_at, start_at + rules.duration), blocked=rules.blocked(start_at),
        timezone=old.timezone, format_=old.format, now=now,
        hold_until=old.hold_expires_at or now + timedelta(minutes=hold_minutes),
        metadata=old.metadata, manage_token_hash=old.manage_token_hash,
        rescheduled_from_id=old.id, place=old.place,
    )  # fmt: skip
    old.mark_rescheduled(now, new.id)
    old.manage_token_hash = None  # a guest's link now manages the new appointment
    await uow.repos.appointments.save(old)  # frees the old slot in this transaction
    window = rules.blocked(start_at).expanded(rules.duration, rules.duration)
    if not is_bookable(
        start_at, rules=await practice_rules(uow, service.id),
        exceptions=await uow.repos.schedule.exceptions_in(window),
        busy=[*await uow.repos.appointments.busy_in(window),
              *kept_for_others(await uow.repos.waitlist.standing_offers(window, now),
                               old.client_user_id, None)],
        slot=rules, now=now,
    ):  # fmt: skip
        raise SlotUnavailable()
    await uow.repos.appointments.add(new)
    await uow.repos.payments.move(old.id, new.id)  # the payment follows the booking
    if old.hold_expires_at is None:  # the old one was confirmed: so is the new one
        new.confirm(now)
        await uow.repos.appointments.save(new)
    return new
