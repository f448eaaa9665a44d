"""The intake form a client (or a guest, with the manage token) fills before a session:
only with the health_data consent, saved as a draft until submitted once; the owner reads
it, audited (P2 data)."""

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

HealthConsent = tuple[bool, str]
"""The health_data consent given with the form: granted, document version."""


async def require_health_consent(uow: BookingUoW, appointment: Appointment) -> None:
    """The client's health_data consent, or a guest's given on the lead (a guest with
    the manage token fills the form too)."""
    if appointment.client_user_id is not None:
        if not await uow.repos.consents.has(appointment.client_user_id, "health_data"):
            raise ConsentRequired("The health_data consent is required for the intake form.")
        return
    if appointment.lead_id is None or not await uow.repos.consents.lead_has(
        appointment.lead_id, "health_data"
    ):
        raise ConsentRequired("The health_data consent is required for the intake form.")


async def record_health_consent(
    uow: BookingUoW, caller: Caller, appointment: Appointment, consent: HealthConsent
) -> None:
    """The consent given with the form: the signed-in client's own, or else the guest's
    (on the lead of the booking the manage token opened)."""
    granted, version = consent
    if caller.user_id is not None and caller.user_id == appointment.client_user_id:
        await uow.repos.consents.record(caller.user_id, None, "health_data", granted, version)
    elif appointment.client_user_id is None and appointment.lead_id is not None:
        await uow.repos.consents.record(None, appointment.lead_id, "health_data", granted, version)
    else:
        raise ConsentRequired("Give the health_data consent in your account settings.")


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
        self, caller: Caller, appointment_id: uuid.UUID, answers: dict[str, Any], submit: bool,
        consent: HealthConsent | None = None,
    ) -> IntakeForm:  # fmt: skip
        """Save a draft, or submit; a submitted form is final. ``consent`` (granted,
        document version) is the health_data consent given with the form."""

        async def work(uow: BookingUoW) -> IntakeForm:
            appointment = await owned(uow, caller, appointment_id)
            if not appointment.is_live:
                raise InvalidState("The intake form is for an upcoming session.")
            if consent is not None:
                await record_health_consent(uow, caller, appointment, consent)
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
