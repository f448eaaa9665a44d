"""Cancelling an appointment under its service's refund policy, in the caller's unit of
work: an erasure cancels the person's upcoming appointments inside its own transaction,
exactly as the client cancelling them would."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.application.booking.ports import BookingRepos
from app.domain.booking.appointment import Appointment
from app.domain.booking.refunds import refund_for_cancellation
from app.domain.booking.service import Service
from app.domain.errors import NotFound
from app.domain.shared.money import Money


def refund_on_cancel(
    paid: Money | None, service: Service, appointment: Appointment, now: datetime, *,
    full_refund: bool,
) -> Money:  # fmt: skip
    """What a cancellation now returns: everything paid when ``full_refund`` (staff
    cancel), else what the service's policy gives for this notice."""
    if paid is None:
        return Money.zero(service.currency)
    if full_refund:
        return paid
    return refund_for_cancellation(
        paid, start_at=appointment.session.start, now=now, policy=service.cancellation_policy
    )


async def cancel_under_policy(
    repos: BookingRepos, appointment: Appointment, now: datetime, *, reason: str,
    by: uuid.UUID | None, full_refund: bool = False,
) -> Money:  # fmt: skip
    """Cancel with the refund the service's policy gives for this notice (everything paid
    when ``full_refund``); the refund is recorded for the payment provider, and
    ``AppointmentCanceled`` frees the slot and the calendar event through the usual
    handlers once the transaction commits."""
    service = await repos.services.get(appointment.service_id)
    if service is None:
        raise NotFound()
    paid = await repos.payments.paid_amount(appointment.id)
    refund = refund_on_cancel(paid, service, appointment, now, full_refund=full_refund)
    appointment.cancel(now, reason=reason, by=by, refund=refund)
    await repos.appointments.save(appointment)
    if not refund.is_zero:
        await repos.payments.refund(appointment.id, refund, "cancellation_policy")
    return refund
