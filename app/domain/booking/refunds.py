"""The cancellation refund policy of a service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from app.domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    """Full refund at least ``free_hours`` before the start; ``partial_percent`` at least
    ``partial_hours`` before; nothing later."""

    free_hours: int
    partial_hours: int
    partial_percent: int


def refund_for_cancellation(
    paid: Money, *, start_at: datetime, now: datetime, policy: CancellationPolicy
) -> Money:
    notice = start_at - now
    if notice >= timedelta(hours=policy.free_hours):
        return paid
    if notice >= timedelta(hours=policy.partial_hours):
        return paid.percent(policy.partial_percent)
    return Money.zero(paid.currency)


def refund_sentence(amount: str, currency: str) -> str:
    """What a client is told about the refund when an appointment is canceled."""
    return "" if Decimal(amount) == 0 else f"Мы вернём {amount} {currency}."
