"""Refunds at the provider, and the staff's view of payments.

A refund is recorded in the transaction that decides it (a cancellation under the
service's policy, a payment that came after its hold lapsed, a staff decision); the
provider is asked afterwards, under the refund's stored idempotence key, so asking twice
is harmless."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.payments.ports import (
    LinkRequest,
    PaymentGateway,
    PaymentLine,
    PaymentProblem,
    PaymentRecord,
    PaymentsUoW,
    PaymentWindow,
    RefundOrder,
    RefundToRequest,
)
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.booking.refunds import refund_for_cancellation
from app.domain.errors import NotFound, ValidationFailed
from app.domain.identity.model import Role
from app.domain.payments.model import PaymentProviderUnavailable
from app.domain.payments.payment import SANDBOX, STAFF_DECISION, PaymentStatus, RefundStatus
from app.domain.shared.money import Money

PAYMENT_STAFF = (Role.OWNER, Role.ASSISTANT)
PROBLEMS_AFTER = timedelta(minutes=5)
"""What reconciliation leaves open longer than this is a problem (it runs every few
minutes and waits as long before it asks the provider)."""
MAX_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class PaymentView:
    """One payment for staff: the record, what can still be refunded, the refund its
    service's cancellation policy would give if the appointment were canceled now (at
    most what is left), and the status the provider's API reports now (None without an
    API, for the sandbox, or when the provider did not answer: ``provider_unreachable``)."""

    record: PaymentRecord
    left: Money
    suggested: Money
    provider_status: PaymentStatus | None = None
    provider_unreachable: bool = False


class RefundRequests:
    def __init__(self, uow: Callable[[], PaymentsUoW], gateway: PaymentGateway | None) -> None:
        self._uow = uow
        self._gateway = gateway

    async def on_canceled(self, event: AppointmentCanceled) -> None:
        """Handler: ask the provider for the refunds a cancellation recorded (our stored
        idempotence key makes a redelivered event harmless)."""
        if event.refund_amount != "0.00":
            await self.request_for(uuid.UUID(event.aggregate_id))

    async def request_for(self, appointment_id: uuid.UUID) -> None:
        """Ask the provider for the appointment's refunds it was not asked for yet."""

        async def pending(uow: PaymentsUoW) -> list[RefundToRequest]:
            return await uow.repos.refunds.refunds_to_request(appointment_id)

        if self._gateway is not None:
            await self.request(await in_transaction(self._uow, pending))

    async def request(self, refunds: list[RefundToRequest]) -> None:
        if self._gateway is None:
            return
        for wanted in refunds:
            refund = wanted.refund
            created = await self._gateway.create_refund(await self._order(wanted))
            refund.accepted(created.id, created.status or RefundStatus.PENDING)

            async def record(uow: PaymentsUoW, accepted: RefundToRequest = wanted) -> None:
                await uow.repos.refunds.save_refund(accepted.refund)

            await in_transaction(self._uow, record)

    async def _order(self, wanted: RefundToRequest) -> RefundOrder:
        """The refund with its payment's receipt data (item, kind, customer)."""
        refund = wanted.refund

        async def read(uow: PaymentsUoW) -> LinkRequest | None:
            return await uow.repos.payments.link_request(refund.payment_id)

        payment = await in_transaction(self._uow, read)
        if payment is None:  # pragma: no cover (a refund's payment is never deleted)
            return RefundOrder(wanted.provider_payment_id, refund.amount, refund.idempotence_key)
        return payment.refund_order(refund, wanted.provider_payment_id)


class StaffPayments:
    def __init__(
        self, uow: Callable[[], PaymentsUoW], refunds: RefundRequests,
        clock: Clock | None = None, gateway: PaymentGateway | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._refunds = refunds
        self._clock = clock
        self._gateway = gateway

    def _now(self) -> datetime:
        if self._clock is None:  # pragma: no cover (the composition root passes one)
            raise RuntimeError("StaffPayments needs a clock for this")
        return self._clock.now()

    async def payment(self, actor: Principal, payment_id: uuid.UUID) -> PaymentView:
        """One payment with its refunds, the policy's suggestion and the provider's state."""
        ensure_roles(actor, *PAYMENT_STAFF)

        async def read(uow: PaymentsUoW) -> PaymentRecord | None:
            return await uow.repos.payments.record(payment_id)

        record = await in_transaction(self._uow, read)
        if record is None:
            raise NotFound()
        line = record.line
        left = line.amount - line.refunded
        suggested = Money.zero(line.amount.currency)
        if line.status is PaymentStatus.SUCCEEDED:
            by_policy = refund_for_cancellation(
                line.amount, start_at=record.appointment_start, now=self._now(),
                policy=record.policy,
            )  # fmt: skip
            suggested = by_policy if by_policy <= left else left
        status, unreachable = await self._provider_status(record)
        return PaymentView(record, left, suggested, status, unreachable)

    async def _provider_status(self, record: PaymentRecord) -> tuple[PaymentStatus | None, bool]:
        if (
            self._gateway is None
            or record.line.provider == SANDBOX
            or record.provider_payment_id is None
        ):
            return None, False
        try:
            fetched = await self._gateway.get_payment(record.provider_payment_id)
        except PaymentProviderUnavailable:
            return None, True
        return fetched.status, False

    async def problems(self, actor: Principal) -> list[PaymentProblem]:
        """What reconciliation has not settled: provider payments and refunds left open
        past the grace period, and refunds the provider canceled."""
        ensure_roles(actor, *PAYMENT_STAFF)
        before = self._now() - PROBLEMS_AFTER

        async def work(uow: PaymentsUoW) -> list[PaymentProblem]:
            return await uow.repos.payments.problems(before, MAX_PROBLEMS)

        return await in_transaction(self._uow, work)

    async def list_payments(
        self, actor: Principal, status: str | None, limit: int = 200,
        window: PaymentWindow | None = None, after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PaymentLine]:  # fmt: skip
        ensure_roles(actor, *PAYMENT_STAFF)
        if window and window[0] and window[1] and window[0] >= window[1]:
            raise ValidationFailed("from must be before to", field="from")

        async def work(uow: PaymentsUoW) -> list[PaymentLine]:
            return await uow.repos.payments.list(status, limit, window, after)

        return await in_transaction(self._uow, work)

    async def refund(self, actor: Principal, payment_id: uuid.UUID, amount: Money) -> None:
        """Refund up to what was paid and not yet refunded; audited."""
        ensure_roles(actor, *PAYMENT_STAFF)
        if amount.is_zero or amount.amount < 0:
            raise ValidationFailed("the amount must be positive", field="amount")

        async def work(uow: PaymentsUoW) -> uuid.UUID:
            payment = await uow.repos.payments.lock(payment_id)
            if payment is None:
                raise NotFound()
            refunded = await uow.repos.refunds.refunded(payment_id)
            refund = payment.refund_at_most_left(amount, STAFF_DECISION, refunded=refunded)
            await uow.repos.refunds.add_refund(refund)
            await audit_action(uow, actor, "payment.refund", "payment", str(payment_id),
                               {"amount": str(amount)})  # fmt: skip
            return payment.appointment_id

        appointment_id = await in_transaction(self._uow, work)
        await self._refunds.request_for(appointment_id)
