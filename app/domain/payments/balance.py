"""What an appointment's payments add up to: what was paid, what is left to pay (the
remainder after a deposit) and how a refund is split over the payments it comes from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class PaidPart:
    """A succeeded payment of the appointment and what was refunded of it so far
    (refunds not canceled)."""

    payment_id: uuid.UUID
    amount: Money
    refunded: Money

    @property
    def refundable(self) -> Money:
        return self.amount - self.refunded


def amount_paid(parts: Sequence[PaidPart], currency: str) -> Money:
    """Everything the client actually paid (before any refund)."""
    total = Money.zero(currency)
    for part in parts:
        total = total + part.amount
    return total


def remainder_due(price: Money, paid: Money) -> Money:
    """What is left to pay of ``price`` after ``paid``; never negative."""
    return Money.zero(price.currency) if price <= paid else price - paid


def split_refund(total: Money, parts: Sequence[PaidPart]) -> list[tuple[uuid.UUID, Money]]:
    """Spread a refund of ``total`` over the payments (oldest first in ``parts``): the
    latest payment is refunded first, then the one before, each within what is left of
    it, so no payment is ever refunded more than it brought in. Whatever cannot be
    covered (more than was paid) is not refunded."""
    left = total
    shares: list[tuple[uuid.UUID, Money]] = []
    for part in reversed(parts):
        if left.is_zero or left.amount < 0:
            break
        room = part.refundable
        if room.is_zero or room.amount < 0:
            continue
        share = left if left <= room else room
        shares.append((part.payment_id, share))
        left = left - share
    return shares
