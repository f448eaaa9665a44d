"""Payment records for provider notifications (queries in sql/payments/)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.adapters.postgres.booking import PostgresAppointmentRepository
from app.adapters.postgres.session import Session
from app.domain.shared.ids import new_id
from app.domain.shared.money import Money


class PostgresPaymentRecords:
    def __init__(self, session: Session) -> None:
        self._s = session
        self._q = session.queries.payments

    async def record_notification(
        self, provider: str, event: str, object_id: str
    ) -> uuid.UUID | None:
        row = await self._q.record_notification(
            self._s.conn, id=new_id(), provider=provider, event=event, object_id=object_id,
            now=self._s.clock.now(),
        )  # fmt: skip
        return row["id"] if row else None

    async def finish_notification(self, record_id: uuid.UUID, outcome: str) -> None:
        await self._q.finish_notification(
            self._s.conn, id=record_id, outcome=outcome, now=self._s.clock.now()
        )

    async def by_provider_id(self, provider_payment_id: str) -> dict[str, Any] | None:
        row = await self._q.payment_by_provider_id(
            self._s.conn, provider_payment_id=provider_payment_id
        )
        return dict(row) if row else None

    async def lock(self, payment_id: uuid.UUID) -> dict[str, Any] | None:
        row = await self._q.payment_for_update(self._s.conn, id=payment_id)
        return dict(row) if row else None

    async def set_status(
        self, payment_id: uuid.UUID, status: str, provider_payment_id: str | None,
        failure_reason: str | None,
    ) -> None:  # fmt: skip
        await self._q.set_payment_status(
            self._s.conn, id=payment_id, status=status, provider_payment_id=provider_payment_id,
            failure_reason=failure_reason, now=self._s.clock.now(),
        )  # fmt: skip

    async def refund_by_provider_id(self, provider_refund_id: str) -> dict[str, Any] | None:
        row = await self._q.refund_by_provider_id(
            self._s.conn, provider_refund_id=provider_refund_id
        )
        return dict(row) if row else None

    async def set_refund_status(self, refund_id: uuid.UUID, status: str) -> None:
        await self._q.set_refund_status(
            self._s.conn, id=refund_id, status=status, now=self._s.clock.now()
        )

    async def refund_everything(self, payment_id: uuid.UUID, amount: Money, reason: str) -> None:
        await self._q.insert_refund(
            self._s.conn, id=new_id(), payment_id=payment_id, amount=amount.amount,
            currency=amount.currency, idempotence_key=new_id(), reason=reason,
            now=self._s.clock.now(),
        )  # fmt: skip

    async def stale_open(self, before: datetime, limit: int) -> list[dict[str, Any]]:
        rows = self._q.stale_open_payments(self._s.conn, before=before, limit=limit)
        return [dict(r) async for r in rows]

    async def list_payments(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        rows = self._q.list_payments(self._s.conn, status=status, limit=limit)
        return [dict(r) async for r in rows]

    async def stale_refunds(self, before: datetime, limit: int) -> list[dict[str, Any]]:
        rows = self._q.stale_pending_refunds(self._s.conn, before=before, limit=limit)
        return [dict(r) async for r in rows]

    async def refundable(self, payment_id: uuid.UUID) -> dict[str, Any] | None:
        row = await self._q.refundable(self._s.conn, id=payment_id)
        return dict(row) if row else None

    async def settle_sandbox(self, appointment_id: uuid.UUID) -> None:
        await self._q.settle_sandbox_refunds(
            self._s.conn, appointment_id=appointment_id, now=self._s.clock.now()
        )

    async def refunds_to_request(self, appointment_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self._q.refunds_to_request(self._s.conn, appointment_id=appointment_id)
        return [dict(r) async for r in rows]

    async def set_refund_provider(
        self, refund_id: uuid.UUID, provider_refund_id: str, status: str
    ) -> None:
        await self._q.set_refund_provider(
            self._s.conn, id=refund_id, provider_refund_id=provider_refund_id, status=status,
            now=self._s.clock.now(),
        )  # fmt: skip


class PostgresPaymentsRepos:
    def __init__(self, session: Session) -> None:
        self.records = PostgresPaymentRecords(session)
        self.appointments = PostgresAppointmentRepository(session)
