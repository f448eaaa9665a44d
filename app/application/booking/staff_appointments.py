"""Staff act on any appointment: confirm, complete, mark a no-show, cancel with a full
refund, move it without the client's deadline, list the calendar. Audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.booking.callers import BOOKING_STAFF
from app.application.booking.cancellation import cancel_under_policy, refund_on_cancel
from app.application.booking.read_models import StaffAppointment
from app.application.booking.rescheduling import live_with_service, move_appointment
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.appointment import LIVE, Appointment
from app.domain.errors import NotFound, ValidationFailed
from app.domain.shared.money import Money
from app.domain.shared.time_range import TimeRange

STAFF_ACTIONS = ("complete", "no_show", "confirm", "cancel")


@dataclass(frozen=True, slots=True)
class CancelPreview:
    """What cancelling now would return, shown before staff confirm it."""

    appointment_id: uuid.UUID
    cancelable: bool
    paid: Money
    refund: Money
    """Returned when staff cancel (everything paid)."""
    policy_refund: Money
    """What the service's policy would return if the client cancelled now."""


class StaffAppointments:
    def __init__(self, tx: BookingTransactions, clock: Clock, default_hold_minutes: int) -> None:
        self._tx = tx
        self._clock = clock
        self._default_hold_minutes = default_hold_minutes

    async def transition(
        self, actor: Principal, appointment_id: uuid.UUID, action: str
    ) -> Appointment:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            if action == "complete":
                appointment.complete(now)
            elif action == "no_show":
                appointment.mark_no_show(now)
            elif action == "confirm":
                appointment.confirm(now, by_staff=True)
            elif action == "cancel":
                await cancel_under_policy(
                    uow.repos, appointment, now, reason="staff", by=actor.user_id,
                    full_refund=True,
                )  # fmt: skip
            else:
                raise ValidationFailed("unknown action")
            if action != "cancel":
                await uow.repos.appointments.save(appointment)
            await audit_action(
                uow, actor, f"appointment.{action}", "appointment", str(appointment.id)
            )
            return appointment

        return await self._tx.write(work)

    async def cancel_preview(self, actor: Principal, appointment_id: uuid.UUID) -> CancelPreview:
        """The refund a staff cancel would make now (and the client-side policy's, for
        comparison); nothing changes."""
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> CancelPreview:
            now = self._clock.now()
            appointment = await uow.repos.appointments.get(appointment_id)
            if appointment is None:
                raise NotFound()
            service = await uow.repos.services.get(appointment.service_id)
            if service is None:
                raise NotFound()
            paid = await uow.repos.payments.paid_amount(appointment.id)
            return CancelPreview(
                appointment_id=appointment.id,
                cancelable=appointment.status in LIVE,
                paid=paid or Money.zero(service.currency),
                refund=refund_on_cancel(paid, service, appointment, now, full_refund=True),
                policy_refund=refund_on_cancel(paid, service, appointment, now, full_refund=False),
            )

        return await self._tx.read(work)

    async def reschedule(
        self, actor: Principal, appointment_id: uuid.UUID, start_at: datetime
    ) -> Appointment:
        """Staff move any live appointment (no client-side deadline); audited."""
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            old = await uow.repos.appointments.get(appointment_id)
            if old is None:
                raise NotFound()
            service = await live_with_service(uow, old)
            new = await move_appointment(
                uow, old, service, start_at, now, self._default_hold_minutes
            )
            await audit_action(uow, actor, "appointment.reschedule", "appointment", str(old.id),
                               {"new_appointment_id": str(new.id)})  # fmt: skip
            return new

        return await self._tx.write(work)

    async def calendar(
        self, actor: Principal, window: TimeRange, status: str | None
    ) -> list[StaffAppointment]:
        ensure_roles(actor, *BOOKING_STAFF)

        async def work(uow: BookingUoW) -> list[StaffAppointment]:
            return await uow.repos.appointments.list_between(window, status)

        return await self._tx.read(work)
