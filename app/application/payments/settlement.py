"""Applying what the provider's API says about a payment: verify the answer against our
payment, move the payment forward, and settle its appointment by the one rule
(``app.domain.payments.settlement``)."""

from __future__ import annotations

from datetime import datetime

import structlog

from app.application.payments.ports import PaymentsUoW, ProviderPayment
from app.domain.payments.events import MISMATCH, PaymentNeedsAttention
from app.domain.payments.payment import HOLD_EXPIRED, Payment, PaymentStatus
from app.domain.payments.settlement import Settlement, settle
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)


async def apply_provider_payment(
    uow: PaymentsUoW, object_id: str, expected: PaymentStatus, fetched: ProviderPayment,
    now: datetime,
) -> str:  # fmt: skip
    """Apply ``fetched`` (the API's answer about the provider's payment ``object_id``)
    when it is in the ``expected`` status; returns the outcome recorded for it."""
    if fetched.id != object_id or fetched.status is not expected:
        return "ignored_status_mismatch"
    known = await uow.repos.payments.by_provider_id(object_id)
    if known is None:
        return "ignored_unknown_payment"
    payment = await uow.repos.payments.lock(known.id)
    if payment is None:  # pragma: no cover (found a moment ago)
        return "ignored_unknown_payment"
    if fetched.amount != payment.amount or fetched.payment_id != str(payment.id):
        logger.error("webhook_payment_mismatch", payment_id=str(payment.id))
        uow.publish(
            PaymentNeedsAttention(
                event_id=new_id(), occurred_at=now, aggregate_id=str(payment.id), reason=MISMATCH
            )
        )
        return "ignored_mismatch"
    moved = payment.move_to(
        expected, now, provider_payment_id=object_id, failure_reason=fetched.cancellation_reason
    )
    if not moved:
        return "ignored_stale"
    await uow.repos.payments.save(payment)
    await settle_appointment(uow, payment, now)
    return f"payment_{expected.value}"


async def settle_appointment(uow: PaymentsUoW, payment: Payment, now: datetime) -> Settlement:
    """Confirm, release or refund in full, as the payment's status says."""
    appointment = await uow.repos.appointments.get(payment.appointment_id)
    if appointment is None:
        return Settlement.NOTHING
    settlement = settle(appointment, payment.status, now)
    if settlement in (Settlement.CONFIRM, Settlement.RELEASE):
        await uow.repos.appointments.save(appointment)
    elif settlement is Settlement.REFUND_IN_FULL:
        await uow.repos.refunds.add_refund(payment.request_refund(payment.amount, HOLD_EXPIRED))
    return settlement
