"""Payments' events beyond the appointment's own."""

from __future__ import annotations

from typing import ClassVar

from app.domain.shared.events import DomainEvent

MISMATCH = "mismatch"  # the provider's payment does not match ours (amount or id)
REFUND_FAILED = "refund_failed"  # the provider canceled a refund: the money did not go back


class PaymentNeedsAttention(DomainEvent, frozen=True, kw_only=True):
    """Staff must look at the payment (``aggregate_id``); ``reason`` is one of the codes above."""

    event_type: ClassVar[str] = "payments.needs_attention"
    aggregate_type: ClassVar[str] = "payment"
    reason: str
