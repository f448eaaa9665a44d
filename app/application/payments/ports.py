"""What the payments use cases need: the payments and refunds stores, the log of provider
notifications, the appointments a payment settles, and the provider's API, which
answers in typed objects (its adapter translates the provider's JSON)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.application.ports import UnitOfWork
from app.domain.booking.appointment import Appointment
from app.domain.booking.refunds import CancellationPolicy
from app.domain.payments.events import REFUND_FAILED
from app.domain.payments.payment import Payment, PaymentStatus, Refund, RefundStatus
from app.domain.shared.money import Money

PaymentWindow = tuple[datetime | None, datetime | None]
"""Payments created in [from, to); either end open when None."""

# --- the provider, as the application sees it ----------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderPayment:
    """A payment as the provider's API reports it. ``status`` is None for a status this
    service does not know, ``amount`` None when the answer's amount is not an exact sum
    of money; ``payment_id`` is our id as the provider keeps it in the metadata."""

    id: str
    status: PaymentStatus | None
    amount: Money | None = None
    payment_id: str | None = None
    confirmation_url: str | None = None
    cancellation_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    id: str
    status: RefundStatus | None


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """What the provider is asked to charge, under our stable idempotence key."""

    payment_id: uuid.UUID
    appointment_id: uuid.UUID
    amount: Money
    idempotence_key: uuid.UUID
    service_title: str
    customer_email: str | None
    customer_phone: str | None = None
    kind: str = "full"
    """full, deposit or remainder: what the receipt says the money is for."""
    return_url: str | None = None
    """Where the provider sends the client back: the appointment's page (a guest's
    manage page); None leaves the gateway's default."""


@dataclass(frozen=True, slots=True)
class RefundOrder:
    """A refund of part or all of a payment; the receipt (when receipts are on) mirrors
    the payment's: the same item, customer and kind, with the refunded amount."""

    provider_payment_id: str
    amount: Money
    idempotence_key: uuid.UUID
    service_title: str = ""
    customer_email: str | None = None
    customer_phone: str | None = None
    kind: str = "full"


class PaymentGateway(Protocol):
    """The provider's API. Each method raises ``PaymentProviderUnavailable`` when the
    provider cannot be reached, refuses the request or answers something unreadable."""

    async def create_payment(self, order: PaymentOrder) -> ProviderPayment: ...

    async def get_payment(self, provider_payment_id: str) -> ProviderPayment: ...

    async def create_refund(self, order: RefundOrder) -> ProviderRefund: ...

    async def get_refund(self, provider_refund_id: str) -> ProviderRefund: ...


# --- storage ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkRequest:
    """A payment and what its provider link needs: the service's title and, for a 54-FZ
    receipt, the customer's e-mail (the account's, or the one given with the booking)
    and phone (E.164, used when there is no e-mail)."""

    payment: Payment
    service_title: str
    customer_email: str | None
    customer_phone: str | None = None

    def order(self, return_url: str | None = None) -> PaymentOrder:
        """What the provider is asked to charge for this payment."""
        p = self.payment
        return PaymentOrder(
            payment_id=p.id, appointment_id=p.appointment_id, amount=p.amount,
            idempotence_key=p.idempotence_key, service_title=self.service_title,
            customer_email=self.customer_email, customer_phone=self.customer_phone,
            kind=p.kind, return_url=return_url,
        )  # fmt: skip

    def refund_order(self, refund: Refund, provider_payment_id: str) -> RefundOrder:
        """A refund of this payment, its receipt mirroring the payment's."""
        return RefundOrder(
            provider_payment_id=provider_payment_id, amount=refund.amount,
            idempotence_key=refund.idempotence_key, service_title=self.service_title,
            customer_email=self.customer_email, customer_phone=self.customer_phone,
            kind=self.payment.kind,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RefundToRequest:
    refund: Refund
    provider_payment_id: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """A payment in the staff list, with what was refunded of it (refunds not canceled)."""

    id: uuid.UUID
    appointment_id: uuid.UUID
    kind: str
    amount: Money
    refunded: Money
    provider: str
    status: PaymentStatus
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class RefundLine:
    """A refund of a payment as staff read it."""

    id: uuid.UUID
    amount: Money
    status: RefundStatus
    reason: str | None
    provider_refund_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One payment as staff read it: its list line, the provider's side as stored, its
    refunds, and the appointment it pays for with its service's cancellation policy."""

    line: PaymentLine
    provider_payment_id: str | None
    failure_reason: str | None
    refunds: list[RefundLine]
    service_title: str
    appointment_start: datetime
    appointment_status: str
    policy: CancellationPolicy


PAYMENT_OPEN = "payment_open"  # a provider payment still open after the grace period
REFUND_NOT_REQUESTED = "refund_not_requested"  # recorded, never asked of the provider
REFUND_PENDING = "refund_pending"  # asked, the provider has not finished it


@dataclass(frozen=True, slots=True)
class PaymentProblem:
    """Something reconciliation has not settled, for staff to look at."""

    payment_id: uuid.UUID
    kind: str
    """``payment_open``, ``refund_not_requested``, ``refund_pending`` or ``refund_failed``."""
    amount: Money
    since: datetime


PROBLEM_KINDS = (PAYMENT_OPEN, REFUND_NOT_REQUESTED, REFUND_PENDING, REFUND_FAILED)


class PaymentStore(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        """The payment, locked until the transaction ends."""
        ...

    async def by_provider_id(self, provider_payment_id: str) -> Payment | None: ...

    async def save(self, payment: Payment) -> None:
        """Store a changed payment (``VersionConflict`` if someone else changed it)."""
        ...

    async def link_request(self, payment_id: uuid.UUID) -> LinkRequest | None: ...

    async def stale_open(self, before: datetime, limit: int) -> list[Payment]:
        """Provider payments still open that started before ``before``."""
        ...

    async def record(self, payment_id: uuid.UUID) -> PaymentRecord | None:
        """One payment with its refunds and appointment, for staff."""
        ...

    async def problems(self, before: datetime, limit: int) -> list[PaymentProblem]:
        """Open provider payments and pending refunds older than ``before``, and failed
        refunds; newest first."""
        ...

    async def list(
        self, status: str | None, limit: int, window: PaymentWindow | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PaymentLine]:  # fmt: skip
        """Newest first; only those in ``status`` and created in ``window`` when given;
        ``after``: the (created_at, id) of the last payment already shown."""
        ...


class RefundStore(Protocol):
    async def refunded(self, payment_id: uuid.UUID) -> Money:
        """What was refunded of the payment so far (refunds not canceled)."""
        ...

    async def add_refund(self, refund: Refund) -> None: ...

    async def refund_by_provider_id(self, provider_refund_id: str) -> Refund | None: ...

    async def save_refund(self, refund: Refund) -> None:
        """Store the provider's id and status of a refund that was pending."""
        ...

    async def stale_refunds(self, before: datetime, limit: int) -> list[Refund]:
        """Refunds the provider accepted but had not finished by ``before``."""
        ...

    async def refunds_to_request(self, appointment_id: uuid.UUID) -> list[RefundToRequest]:
        """The appointment's refunds recorded here that the provider was not asked for."""
        ...

    async def unrequested_refunds(self, before: datetime, limit: int) -> list[RefundToRequest]:
        """Refunds of provider payments recorded before ``before`` and never requested
        (the handler that should have asked failed, or nothing was there to ask)."""
        ...


@dataclass(frozen=True, slots=True)
class RecordedNotification:
    """A notification recorded for the first time; ``ours``: it names a payment or a
    refund of ours (one that is not was recorded finished, as rejected)."""

    id: uuid.UUID
    ours: bool


class NotificationLog(Protocol):
    """The idempotency record of provider notifications: ``(provider, event, object)``."""

    async def record(
        self, provider: str, event: str, object_id: str, *, refund: bool, rejected: str
    ) -> RecordedNotification | None:
        """Record the notification and whether its object (a refund when ``refund``, else
        a payment) is ours, in one step; one about an object that is not ours is
        recorded finished with the outcome ``rejected``. None when this notification was
        recorded before."""
        ...

    async def finish(self, record_id: uuid.UUID, outcome: str) -> None: ...


class AppointmentStore(Protocol):
    async def get(self, appointment_id: uuid.UUID) -> Appointment | None: ...

    async def save(self, appointment: Appointment) -> None: ...


class PaymentsRepos(Protocol):
    @property
    def payments(self) -> PaymentStore: ...

    @property
    def refunds(self) -> RefundStore: ...

    @property
    def notifications(self) -> NotificationLog: ...

    @property
    def appointments(self) -> AppointmentStore: ...


PaymentsUoW = UnitOfWork[PaymentsRepos]
