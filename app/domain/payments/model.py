"""The payments context's event and error (the aggregate is in ``payment.py``)."""

from __future__ import annotations

from typing import ClassVar

from app.domain.errors import Conflict, DomainError, InvalidState, ValidationFailed
from app.domain.shared.events import DomainEvent


class PaymentProviderUnavailable(DomainError):
    code = "payment_provider_unavailable"
    title = "The payment service is unavailable; the time stays held, please retry"


class NothingLeftToPay(InvalidState):
    code = "nothing_left_to_pay"
    title = "Only a confirmed appointment with part of its price unpaid takes a remainder payment"


class RemainderPending(Conflict):
    code = "remainder_pending"
    title = "A remainder payment for this appointment is already waiting to be paid"


class ReceiptContactMissing(ValidationFailed):
    """Receipts (54-FZ) are on and the client left neither an e-mail nor a phone: the
    receipt could not be delivered, so the payment is not made at all."""

    code = "receipt_contact_missing"
    title = "A receipt needs the client's e-mail or phone; add one to pay"


class PaymentNotificationReceived(DomainEvent, frozen=True, kw_only=True):
    """A provider notification was recorded; the worker verifies and applies it."""

    event_type: ClassVar[str] = "payments.notification_received"
    aggregate_type: ClassVar[str] = "provider_webhook_event"
    provider: str
    event: str
    object_id: str
