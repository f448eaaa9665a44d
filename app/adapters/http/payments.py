"""Staff endpoints for payments: the list by status and refunds."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.adapters.http.identity import NO_STORE
from app.application.access import Principal
from app.application.payments.service import PaymentNotifications
from app.domain.shared.money import Money


class PaymentOut(msgspec.Struct):
    id: uuid.UUID
    appointment_id: uuid.UUID
    kind: str
    amount: str
    refunded: str
    currency: str
    provider: str
    status: str
    created_at: datetime
    confirmed_at: datetime | None


class PaymentsOut(msgspec.Struct):
    items: list[PaymentOut]


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[str, msgspec.Meta(pattern=r"^\d{1,10}(\.\d{1,2})?$")]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class AdminPaymentsController(Controller):
    path = "/api/v1/admin/payments"
    tags = ["admin: payments"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="Payments, newest first (owner, assistant)")
    async def list_payments(
        self,
        principal: NamedDependency[Principal],
        payments: NamedDependency[PaymentNotifications],
        status: Annotated[str | None, QueryParameter(name="status", max_length=32)] = None,
    ) -> PaymentsOut:
        rows = await payments.list_payments(principal, status)
        return PaymentsOut(
            [PaymentOut(**{**r, "amount": _money(r["amount"]), "refunded": _money(r["refunded"])})
             for r in rows]
        )  # fmt: skip

    @post("/{payment_id:uuid}/refund", status_code=HTTP_204_NO_CONTENT,
          summary="Refund up to what was paid and not yet refunded (audited)")  # fmt: skip
    async def refund(
        self,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
        principal: NamedDependency[Principal],
        payments: NamedDependency[PaymentNotifications],
    ) -> None:
        await payments.staff_refund(principal, payment_id, Money.of(data.amount))
