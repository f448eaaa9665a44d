"""Payment statuses move forward only: a late or repeated notification never undoes one."""

from __future__ import annotations

from typing import ClassVar

from app.domain.errors import DomainError
from app.domain.shared.events import DomainEvent

ORDER = {"intent": 0, "pending": 1, "waiting_for_capture": 2, "succeeded": 3, "canceled": 3,
         "failed": 3}  # fmt: skip
TERMINAL = frozenset({"succeeded", "canceled", "failed"})


def can_move(current: str, target: str) -> bool:
    """True when ``target`` is later in the payment's life than ``current``."""
    if current in TERMINAL:
        return False
    return ORDER[target] > ORDER[current]


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
