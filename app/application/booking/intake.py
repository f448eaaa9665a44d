"""The intake form a client fills before a session: only with the health_data consent,
saved as a draft until submitted once; the owner reads it, audited (P2 data)."""

from __future__ import annotations

import uuid
from typing import Any

from app.application.access import Principal
from app.application.audit import audit_action
from app.application.booking.callers import Caller, owned
from app.application.booking.read_models import IntakeForm
from app.application.booking.transactions import BookingTransactions, BookingUoW
from app.domain.booking.appointment import Appointment
from app.domain.errors import ConsentRequired, Forbidden, InvalidState
from app.domain.identity.model import Role


async def require_health_consent(uow: BookingUoW, appointment: Appointment) -> None:
    if appointment.client_user_id is None:
        raise ConsentRequired("An intake form needs an account with the health_data consent.")
    if not await uow.repos.consents.has(appointment.client_user_id, "health_data"):
        raise ConsentRequired("The health_data consent is required for the intake form.")


class IntakeForms:
    def __init__(self, tx: BookingTransactions) -> None:
        self._tx = tx

    async def form(self, caller: Caller, appointment_id: uuid.UUID) -> IntakeForm | None:
        async def work(uow: BookingUoW) -> IntakeForm | None:
            appointment = await owned(uow, caller, appointment_id)
            await require_health_consent(uow, appointment)
            return await uow.repos.intake.get(appointment.id)

        return await self._tx.read(work)

    async def save(
        self, caller: Caller, appointment_id: uuid.UUID, answers: dict[str, Any], submit: bool
    ) -> IntakeForm:
        """Save a draft, or submit; a submitted form is final."""

        async def work(uow: BookingUoW) -> IntakeForm:
            appointment = await owned(uow, caller, appointment_id)
            if not appointment.is_live:
                raise InvalidState("The intake form is for an upcoming session.")
            await require_health_consent(uow, appointment)
            current = await uow.repos.intake.get(appointment.id)
            if current is not None and current.is_submitted:
                raise InvalidState("The intake form was already submitted.")
            return await uow.repos.intake.save(appointment.id, current, answers, submit)

        return await self._tx.read(work)

    async def staff_form(self, actor: Principal, appointment_id: uuid.UUID) -> IntakeForm | None:
        """Owner only; every read of this P2 data is audited."""
        if Role.OWNER not in actor.roles:
            raise Forbidden()

        async def work(uow: BookingUoW) -> IntakeForm | None:
            form = await uow.repos.intake.get(appointment_id)
            await audit_action(uow, actor, "intake_form.read", "appointment", str(appointment_id))
            return form

        return await self._tx.read(work)
