"""The payments context's event and error (the aggregate is in ``payment.py``)."""

from __future__ import annotations

from typing import ClassVar

from app.domain.errors import DomainError
from app.domain.shared.events import DomainEvent


class PaymentProviderUnavailable(DomainError):
    code = "payment_provider_unavailable"
    title = "The payment service is unavailable; the time stays held, please retry"


class PaymentNotificationReceived(DomainEvent, frozen=True, kw_only=True):
    """A provider notification was recorded; the worker verifies and applies it."""

    event_type: ClassVar[str] = "payments.notification_received"
    aggregate_type: ClassVar[str] = "provider_webhook_event"
    provider: str
    event: str
    object_id: str
