"""The payments context's entry points, as the composition root hands them out: provider
notifications, reconciliation, refund requests and the staff's payments."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from app.application.access import Principal
from app.application.payments.links import ProviderLinks
from app.application.payments.notifications import PaymentNotifications
from app.application.payments.ports import (
    PaymentGateway,
    PaymentLine,
    PaymentsUoW,
    PaymentWindow,
)
from app.application.payments.reconciliation import Reconciliation
from app.application.payments.refunds import RefundRequests, StaffPayments
from app.application.ports import Clock
from app.domain.booking.appointment import AppointmentCanceled
from app.domain.payments.model import PaymentNotificationReceived
from app.domain.shared.money import Money


class Payments:
    def __init__(
        self,
        uow: Callable[[], PaymentsUoW],
        clock: Clock,
        gateway: PaymentGateway | None,
        allowlist: Sequence[str],
        *,
        links: ProviderLinks | None = None,
        provider: str = "yookassa",
    ) -> None:
        self.notifications = PaymentNotifications(uow, clock, gateway, allowlist, provider)
        self.refunds = RefundRequests(uow, gateway)
        self.staff = StaffPayments(uow, self.refunds, clock, gateway)
        self.reconciliation = (
            Reconciliation(uow, clock, gateway, self.refunds, links) if gateway else None
        )

    async def receive(self, source: str | None, event: str, object_id: str) -> str:
        return await self.notifications.receive(source, event, object_id)

    async def process(self, notification: PaymentNotificationReceived) -> None:
        await self.notifications.process(notification)

    async def reconcile(self, now: datetime) -> int:
        """Job (every few minutes); nothing to do without the provider's API."""
        return await self.reconciliation.run(now) if self.reconciliation else 0

    async def request_refunds(self, event: AppointmentCanceled) -> None:
        await self.refunds.on_canceled(event)

    async def list_payments(
        self, actor: Principal, status: str | None, limit: int = 200,
        window: PaymentWindow | None = None, after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PaymentLine]:  # fmt: skip
        return await self.staff.list_payments(actor, status, limit, window, after)

    async def staff_refund(self, actor: Principal, payment_id: uuid.UUID, amount: Money) -> None:
        await self.staff.refund(actor, payment_id, amount)
