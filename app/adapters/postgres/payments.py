"""Payments over PostgreSQL (queries in sql/payments/): the Payment aggregate and its
refunds, the log of provider notifications, and the payments context as booking sees it.
Every one works on the unit of work's connection."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.adapters.postgres.session import Session
from app.application.booking.ports import PaymentStart
from app.application.payments.ports import (
    AppointmentStore,
    LinkRequest,
    PaymentLine,
    PaymentProblem,
    PaymentRecord,
    PaymentWindow,
    RecordedNotification,
    RefundLine,
    RefundToRequest,
)
from app.domain.booking.appointment import Appointment
from app.domain.booking.refunds import CancellationPolicy
from app.domain.errors import VersionConflict
from app.domain.payments.balance import PaidPart, amount_paid, split_refund
from app.domain.payments.model import ReceiptContactMissing
from app.domain.payments.payment import (
    FULL,
    SANDBOX,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from app.domain.shared.ids import new_id
from app.domain.shared.money import Money


def _payment(row: Mapping[str, Any]) -> Payment:
    return Payment(
        id=row["id"], appointment_id=row["appointment_id"],
        amount=Money(row["amount"], row["currency"]), provider=row["provider"],
        status=PaymentStatus(row["status"]), idempotence_key=row["idempotence_key"],
        provider_payment_id=row["provider_payment_id"],
        confirmation_url=row["confirmation_url"], failure_reason=row["failure_reason"],
        confirmed_at=row["confirmed_at"], kind=row["kind"], version=row["version"],
    )  # fmt: skip


def _refund(row: Mapping[str, Any]) -> Refund:
    return Refund(
        id=row["id"], payment_id=row["payment_id"], amount=Money(row["amount"], row["currency"]),
        reason=row["reason"], idempotence_key=row["idempotence_key"],
        status=RefundStatus(row["status"]), provider_refund_id=row["provider_refund_id"],
    )  # fmt: skip


def _to_request(row: Mapping[str, Any]) -> RefundToRequest:
    return RefundToRequest(_refund(row), row["provider_payment_id"])


def _line(row: Mapping[str, Any]) -> PaymentLine:
    return PaymentLine(
        id=row["id"], appointment_id=row["appointment_id"], kind=row["kind"],
        amount=Money(row["amount"], row["currency"]),
        refunded=Money(row["refunded"], row["currency"]), provider=row["provider"],
        status=PaymentStatus(row["status"]), created_at=row["created_at"],
        confirmed_at=row["confirmed_at"],
    )  # fmt: skip


def _refund_line(row: Mapping[str, Any]) -> RefundLine:
    return RefundLine(
        id=row["id"], amount=Money(row["amount"], row["currency"]),
        status=RefundStatus(row["status"]), reason=row["reason"],
        provider_refund_id=row["provider_refund_id"], created_at=row["created_at"],
    )  # fmt: skip


def _record(row: Mapping[str, Any], refunds: list[RefundLine]) -> PaymentRecord:
    policy = CancellationPolicy(
        row["cancel_free_hours"], row["cancel_partial_hours"], row["cancel_partial_refund_percent"]
    )
    return PaymentRecord(
        line=_line(row), provider_payment_id=row["provider_payment_id"],
        failure_reason=row["failure_reason"], refunds=refunds,
        service_title=row["service_title"], appointment_start=row["start_at"],
        appointment_status=row["appointment_status"], policy=policy,
    )  # fmt: skip


class PostgresPaymentStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.payments

    async def add(self, payment: Payment) -> None:
        p = payment
        await self._q.insert_payment(
            self._s.conn, id=p.id, appointment_id=p.appointment_id, kind=p.kind,
            amount=p.amount.amount, currency=p.amount.currency, provider=p.provider,
            idempotence_key=p.idempotence_key, status=p.status.value,
            confirmation_url=p.confirmation_url, now=self._s.clock.now(),
        )  # fmt: skip

    async def lock(self, payment_id: uuid.UUID) -> Payment | None:
        row = await self._q.payment_for_update(self._s.conn, id=payment_id)
        return _payment(row) if row else None

    async def by_provider_id(self, provider_payment_id: str) -> Payment | None:
        row = await self._q.payment_by_provider_id(
            self._s.conn, provider_payment_id=provider_payment_id
        )
        return _payment(row) if row else None

    async def save(self, payment: Payment) -> None:
        p = payment
        row = await self._q.update_payment(
            self._s.conn, id=p.id, version=p.version, status=p.status.value,
            provider_payment_id=p.provider_payment_id, confirmation_url=p.confirmation_url,
            failure_reason=p.failure_reason, confirmed_at=p.confirmed_at,
            now=self._s.clock.now(),
        )  # fmt: skip
        if row is None:
            raise VersionConflict()
        p.version = row["version"]

    async def succeeded_for(self, appointment_id: uuid.UUID) -> list[tuple[Payment, Money]]:
        """The appointment's succeeded payments, oldest first, with what was refunded."""
        rows = self._q.succeeded_payments_for(self._s.conn, appointment_id=appointment_id)
        return [(_payment(r), Money(r["refunded"], r["currency"])) async for r in rows]

    async def open_for(self, appointment_id: uuid.UUID, kind: str | None = None) -> Payment | None:
        row = await self._q.open_payment_for(self._s.conn, appointment_id=appointment_id, kind=kind)
        return _payment(row) if row else None

    async def move(self, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        await self._q.move_payments(
            self._s.conn, from_appointment_id=from_id, to_appointment_id=to_id,
            now=self._s.clock.now(),
        )  # fmt: skip

    async def link_request(self, payment_id: uuid.UUID) -> LinkRequest | None:
        row = await self._q.payment_for_link(self._s.conn, id=payment_id)
        if row is None:
            return None
        return LinkRequest(_payment(row), row["service_title"], row["email"], row["phone"])

    async def stale_open(self, before: datetime, limit: int) -> list[Payment]:
        rows = self._q.stale_open_payments(self._s.conn, before=before, limit=limit)
        return [_payment(r) async for r in rows]

    async def record(self, payment_id: uuid.UUID) -> PaymentRecord | None:
        row = await self._q.payment_record(self._s.conn, id=payment_id)
        if row is None:
            return None
        refunds = self._q.refunds_of_payment(self._s.conn, payment_id=payment_id)
        return _record(row, [_refund_line(r) async for r in refunds])

    async def problems(self, before: datetime, limit: int) -> list[PaymentProblem]:
        rows = self._q.payment_problems(self._s.conn, before=before, limit=limit)
        return [
            PaymentProblem(r["payment_id"], r["kind"], Money(r["amount"], r["currency"]),
                           r["since"])
            async for r in rows
        ]  # fmt: skip

    async def list(
        self, status: str | None, limit: int, window: PaymentWindow | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PaymentLine]:  # fmt: skip
        date_from, date_to = window or (None, None)
        after_created_at, after_id = after or (None, None)
        rows = self._q.list_payments(
            self._s.conn, status=status, date_from=date_from, date_to=date_to,
            after_created_at=after_created_at, after_id=after_id, limit=limit,
        )  # fmt: skip
        return [_line(r) async for r in rows]


class PostgresRefundStore:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.payments

    async def refunded(self, payment_id: uuid.UUID) -> Money:
        row = await self._q.refunded_total(self._s.conn, payment_id=payment_id)
        return Money(row["refunded"], row["currency"]) if row else Money.zero()

    async def add_refund(self, refund: Refund) -> None:
        r = refund
        await self._q.insert_refund(
            self._s.conn, id=r.id, payment_id=r.payment_id, amount=r.amount.amount,
            currency=r.amount.currency, idempotence_key=r.idempotence_key,
            status=r.status.value, reason=r.reason, now=self._s.clock.now(),
        )  # fmt: skip

    async def refund_by_provider_id(self, provider_refund_id: str) -> Refund | None:
        row = await self._q.refund_by_provider_id(
            self._s.conn, provider_refund_id=provider_refund_id
        )
        return _refund(row) if row else None

    async def save_refund(self, refund: Refund) -> None:
        await self._q.update_refund(
            self._s.conn, id=refund.id, provider_refund_id=refund.provider_refund_id,
            status=refund.status.value, now=self._s.clock.now(),
        )  # fmt: skip

    async def stale_refunds(self, before: datetime, limit: int) -> list[Refund]:
        rows = self._q.stale_pending_refunds(self._s.conn, before=before, limit=limit)
        return [_refund(r) async for r in rows]

    async def refunds_to_request(self, appointment_id: uuid.UUID) -> list[RefundToRequest]:
        rows = self._q.refunds_to_request(self._s.conn, appointment_id=appointment_id)
        return [_to_request(r) async for r in rows]

    async def unrequested_refunds(self, before: datetime, limit: int) -> list[RefundToRequest]:
        rows = self._q.unrequested_refunds(self._s.conn, before=before, limit=limit)
        return [_to_request(r) async for r in rows]


class PostgresNotificationLog:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.payments

    async def record(
        self, provider: str, event: str, object_id: str, *, refund: bool, rejected: str
    ) -> RecordedNotification | None:
        row = await self._q.record_notification(
            self._s.conn, id=new_id(), provider=provider, event=event, object_id=object_id,
            refund=refund, rejected=rejected, now=self._s.clock.now(),
        )  # fmt: skip
        return RecordedNotification(id=row["id"], ours=row["ours"]) if row else None

    async def finish(self, record_id: uuid.UUID, outcome: str) -> None:
        await self._q.finish_notification(
            self._s.conn, id=record_id, outcome=outcome, now=self._s.clock.now()
        )


class PostgresPaymentsRepos:
    """The payments use cases' repositories; the appointments they settle come from the
    booking adapter, handed in by the composition root."""

    def __init__(self, session: Session, appointments: AppointmentStore) -> None:
        self.payments = PostgresPaymentStore(session)
        self.refunds = PostgresRefundStore(session)
        self.notifications = PostgresNotificationLog(session)
        self.appointments = appointments


class PostgresBookingPayments:
    """The payments context as booking sees it (booking's ``PaymentPort``), in booking's
    transaction. The sandbox provider's link is local (a test or a developer declares
    the payment made there); a real provider's link is fetched after the transaction
    commits, with the idempotence key stored here, so a crash in between is finished
    by reconciliation and never pays twice."""

    def __init__(
        self, session: Session, public_base_url: str, provider: str = SANDBOX,
        receipts: bool = False,
    ) -> None:  # fmt: skip
        self._store = PostgresPaymentStore(session)
        self._refunds = PostgresRefundStore(session)
        self._s = session
        self._base = public_base_url
        self._provider = provider
        # 54-FZ receipts go with a real provider's payments only.
        self._receipts = receipts and provider != SANDBOX

    async def start(
        self, appointment: Appointment, amount: Money, description: str, kind: str = FULL
    ) -> PaymentStart:
        """Record the payment; with receipts on, one the client could get no receipt for
        (neither e-mail nor phone) is refused before the provider is ever asked."""
        payment = Payment.start(appointment.id, amount, self._provider, kind)
        if self._provider == SANDBOX:
            payment.link(None, f"{self._base}/api/v1/sandbox/payments/{payment.id}")
        await self._store.add(payment)
        if self._receipts:
            request = await self._store.link_request(payment.id)
            if request is None or not (request.customer_email or request.customer_phone):
                raise ReceiptContactMissing()
        return PaymentStart(payment.id, payment.confirmation_url or "")

    async def paid_parts(self, appointment_id: uuid.UUID) -> list[PaidPart]:
        return [
            PaidPart(payment.id, payment.amount, refunded)
            for payment, refunded in await self._store.succeeded_for(appointment_id)
        ]

    async def paid_amount(self, appointment_id: uuid.UUID) -> Money | None:
        parts = await self.paid_parts(appointment_id)
        return amount_paid(parts, parts[0].amount.currency) if parts else None

    async def refund(self, appointment_id: uuid.UUID, amount: Money, reason: str) -> None:
        """Record ``amount`` going back, split over the payments (latest first, each
        within what is left of it)."""
        paid = await self._store.succeeded_for(appointment_id)
        payments = {payment.id: payment for payment, _ in paid}
        parts = [PaidPart(payment.id, payment.amount, refunded) for payment, refunded in paid]
        for payment_id, share in split_refund(amount, parts):
            await self._refunds.add_refund(payments[payment_id].request_refund(share, reason))

    async def open_payment(
        self, appointment_id: uuid.UUID, kind: str | None = None
    ) -> tuple[uuid.UUID, str] | None:
        payment = await self._store.open_for(appointment_id, kind)
        return (payment.id, payment.confirmation_url or "") if payment else None

    async def cancel_open(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        payment = await self._store.lock(payment_id)
        if payment is None or not payment.give_up():
            return None
        await self._store.save(payment)
        return payment.appointment_id

    async def move(self, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        await self._store.move(from_id, to_id)

    async def mark_succeeded(
        self, payment_id: uuid.UUID, provider_payment_id: str
    ) -> uuid.UUID | None:
        payment = await self._store.lock(payment_id)
        moved = payment is not None and payment.move_to(
            PaymentStatus.SUCCEEDED, self._s.clock.now(), provider_payment_id=provider_payment_id
        )
        if payment is None or not moved:
            return None
        await self._store.save(payment)
        return payment.appointment_id
