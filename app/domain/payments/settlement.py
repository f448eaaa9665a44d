"""The settlement rule, one for every provider: a payment that succeeded confirms its
appointment, or is refunded in full when the hold had already lapsed (the time may be
someone else's by now); a payment that was canceled releases the held appointment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from app.domain.booking.appointment import Appointment, AppointmentStatus
from app.domain.payments.payment import PaymentStatus

PAYMENT_CANCELED = "payment_canceled"  # the appointment's cancel reason


class Settlement(StrEnum):
    CONFIRM = "confirm"
    REFUND_IN_FULL = "refund_in_full"
    RELEASE = "release"
    NOTHING = "nothing"


def settlement_for(outcome: PaymentStatus, appointment: AppointmentStatus) -> Settlement:
    """What a payment's outcome means for its appointment."""
    held = appointment is AppointmentStatus.PENDING_PAYMENT
    if outcome is PaymentStatus.SUCCEEDED:
        if held:
            return Settlement.CONFIRM
        if appointment is AppointmentStatus.CANCELED:
            return Settlement.REFUND_IN_FULL
    elif outcome is PaymentStatus.CANCELED and held:
        return Settlement.RELEASE
    return Settlement.NOTHING


def settle(appointment: Appointment, outcome: PaymentStatus, now: datetime) -> Settlement:
    """Apply the rule to ``appointment`` (confirm or release it) and say what was done;
    for ``REFUND_IN_FULL`` the caller refunds everything paid (reason ``hold_expired``),
    and for ``CONFIRM`` and ``RELEASE`` it saves the appointment."""
    settlement = settlement_for(outcome, appointment.status)
    if settlement is Settlement.CONFIRM:
        appointment.confirm(now)
    elif settlement is Settlement.RELEASE:
        appointment.cancel(now, reason=PAYMENT_CANCELED, by=None)
    return settlement
