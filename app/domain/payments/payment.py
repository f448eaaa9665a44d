"""The Payment aggregate: what a client pays for an appointment, and its refunds.

    intent ──link──▶ pending ──▶ waiting_for_capture ──▶ succeeded
       │                │                 │
       └────────────────┴─────────────────┴────────────▶ canceled | failed

Statuses only move forward: a late or repeated notification never undoes one, and a
finished payment (succeeded, canceled, failed) never changes again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.errors import InvalidState, ValidationFailed
from app.domain.shared.ids import new_id
from app.domain.shared.money import Money

SANDBOX = "sandbox"
# Reason codes (payments.failure_reason, refunds.reason).
CANCELED_BY_CLIENT = "canceled_by_client"
HOLD_EXPIRED = "hold_expired"
STAFF_DECISION = "staff_decision"
# What a payment pays for (payments.kind): the whole price, a deposit taken at booking,
# or the rest of the price paid later.
FULL = "full"
DEPOSIT = "deposit"
REMAINDER = "remainder"


class PaymentStatus(StrEnum):
    INTENT = "intent"
    PENDING = "pending"
    WAITING_FOR_CAPTURE = "waiting_for_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"


_STAGE = {
    PaymentStatus.INTENT: 0,
    PaymentStatus.PENDING: 1,
    PaymentStatus.WAITING_FOR_CAPTURE: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.CANCELED: 3,
    PaymentStatus.FAILED: 3,
}
TERMINAL = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED, PaymentStatus.FAILED})
# Not yet handed to the client's bank: a link may still be made, or the client give up.
OPEN = frozenset({PaymentStatus.INTENT, PaymentStatus.PENDING})


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


@dataclass
class Refund:
    """Money going back to the client; pending until the provider finishes it."""

    id: uuid.UUID
    payment_id: uuid.UUID
    amount: Money
    reason: str | None
    idempotence_key: uuid.UUID
    status: RefundStatus = RefundStatus.PENDING
    provider_refund_id: str | None = None

    def accepted(self, provider_refund_id: str, status: RefundStatus) -> None:
        """The provider took the request under its own id (and may have finished it)."""
        self.provider_refund_id = provider_refund_id
        self.status = status

    def finish(self, status: RefundStatus) -> bool:
        """A pending refund ends ``status``; False (nothing changes) for any other."""
        if self.status is not RefundStatus.PENDING or status is RefundStatus.PENDING:
            return False
        self.status = status
        return True


@dataclass
class Payment:
    id: uuid.UUID
    appointment_id: uuid.UUID
    amount: Money
    provider: str
    status: PaymentStatus
    idempotence_key: uuid.UUID
    """Our Idempotence-Key at the provider, kept before the first call so a retry
    reuses it and never creates a second payment."""
    provider_payment_id: str | None = None
    confirmation_url: str | None = None
    failure_reason: str | None = None
    confirmed_at: datetime | None = None
    kind: str = FULL
    version: int = 1

    @classmethod
    def start(
        cls, appointment_id: uuid.UUID, amount: Money, provider: str, kind: str = FULL
    ) -> Payment:
        return cls(
            id=new_id(), appointment_id=appointment_id, amount=amount, provider=provider,
            status=PaymentStatus.INTENT, idempotence_key=new_id(), kind=kind,
        )  # fmt: skip

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def refunds_settle_at_once(self) -> bool:
        """The sandbox moves no money, so its refunds succeed as they are made."""
        return self.provider == SANDBOX

    def can_move_to(self, target: PaymentStatus) -> bool:
        """True when ``target`` is later in the payment's life than its status."""
        return self.status not in TERMINAL and _STAGE[target] > _STAGE[self.status]

    def move_to(
        self, target: PaymentStatus, now: datetime, *, provider_payment_id: str | None = None,
        failure_reason: str | None = None,
    ) -> bool:  # fmt: skip
        """Move forward to ``target``; False (nothing changes) for a stale or repeated
        move. The provider's id, once known, is kept."""
        if not self.can_move_to(target):
            return False
        provider_payment_id = self.provider_payment_id or provider_payment_id
        if target is PaymentStatus.SUCCEEDED:
            if provider_payment_id is None:
                raise InvalidState("A succeeded payment names the provider's payment.")
            self.confirmed_at = now
        self.status = target
        self.provider_payment_id = provider_payment_id
        self.failure_reason = failure_reason or self.failure_reason
        return True

    def link(self, provider_payment_id: str | None, confirmation_url: str) -> bool:
        """The page where the client pays: the payment is now pending. False when the
        payment is no longer open (a notification got there first)."""
        if not self.is_open:
            return False
        self.status = PaymentStatus.PENDING
        self.provider_payment_id = provider_payment_id
        self.confirmation_url = confirmation_url
        return True

    def give_up(self) -> bool:
        """The client stopped before paying; False when the payment is not open."""
        if not self.is_open:
            return False
        self.status = PaymentStatus.CANCELED
        self.failure_reason = CANCELED_BY_CLIENT
        return True

    def request_refund(self, amount: Money, reason: str) -> Refund:
        """A refund of ``amount`` (the caller's policy decided it)."""
        refund = Refund(
            id=new_id(), payment_id=self.id, amount=amount, reason=reason,
            idempotence_key=new_id(),
        )  # fmt: skip
        if self.refunds_settle_at_once:
            refund.finish(RefundStatus.SUCCEEDED)
        return refund

    def refund_at_most_left(self, amount: Money, reason: str, *, refunded: Money) -> Refund:
        """A refund decided by staff: of a succeeded payment only, and at most what was
        paid and not yet refunded (``refunded``: refunds not canceled)."""
        if self.status is not PaymentStatus.SUCCEEDED:
            raise InvalidState("Only a succeeded payment can be refunded.")
        left = self.amount - refunded
        if left < amount:
            raise ValidationFailed(f"at most {left} can still be refunded", field="amount")
        return self.request_refund(amount, reason)
