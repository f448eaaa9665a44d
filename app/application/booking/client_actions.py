"""What a client (or a guest with the manage token) does with their appointments:
read them, cancel under the service's policy, move them while the policy allows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.application.access import Principal
from app.application.booking.callers import Caller, owned
from app.application.booking.cancellation import cancel_under_policy
from app.application.booking.read_models import ClientAppointment
from app.application.booking.rescheduling import live_with_service, move_appointment
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.application.ports import Clock
from app.domain.booking.appointment import Appointment
from app.domain.errors import InvalidState
from app.domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class Cancellation:
    appointment: Appointment
    refund: Money


class ClientActions:
    def __init__(self, tx: BookingTransactions, clock: Clock, default_hold_minutes: int) -> None:
        self._tx = tx
        self._clock = clock
        self._default_hold_minutes = default_hold_minutes

    async def appointment(self, caller: Caller, appointment_id: uuid.UUID) -> Appointment:
        async def work(uow: BookingUoW) -> Appointment:
            return await owned(uow, caller, appointment_id)

        return await self._tx.read(work)

    async def cancel(
        self, caller: Caller, appointment_id: uuid.UUID, reason: str = "client_request"
    ) -> Cancellation:
        """Cancel within the service's policy; the refund goes to the payment port."""

        async def work(uow: BookingUoW) -> Cancellation:
            appointment = await owned(uow, caller, appointment_id)
            refund = await cancel_under_policy(
                uow.repos, appointment, self._clock.now(), reason=reason, by=caller.user_id
            )
            return Cancellation(appointment, refund)

        return await self._tx.write(work)

    async def reschedule(
        self, caller: Caller, appointment_id: uuid.UUID, start_at: datetime
    ) -> Appointment:
        """Atomically free the old slot and hold (or keep confirmed) the new one, no later
        than the service's rescheduling deadline."""

        async def work(uow: BookingUoW) -> Appointment:
            now = self._clock.now()
            old = await owned(uow, caller, appointment_id)
            service = await live_with_service(uow, old)
            if old.session.start - now < timedelta(hours=service.reschedule_min_hours):
                raise InvalidState(
                    f"Rescheduling closes {service.reschedule_min_hours} hours before the session."
                )
            return await move_appointment(
                uow, old, service, start_at, now, self._default_hold_minutes
            )

        return await self._tx.write(work)

    async def my_appointments(
        self, principal: Principal, upcoming: bool
    ) -> list[ClientAppointment]:
        return await self.appointments_of(principal.user_id, upcoming)

    async def appointments_of(self, user_id: uuid.UUID, upcoming: bool) -> list[ClientAppointment]:
        async def work(uow: BookingUoW) -> list[ClientAppointment]:
            return await uow.repos.appointments.list_for_client(
                user_id, upcoming, self._clock.now()
            )

        return await self._tx.read(work)
