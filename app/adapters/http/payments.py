"""Staff endpoints for payments: the list by status and refunds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.adapters.http.identity import NO_STORE
from app.adapters.http.pagination import (
    MAX_LIMIT,
    AwareDatetime,
    CursorQuery,
    decode_position,
    page_of,
)
from app.application.access import Principal
from app.application.payments.ports import PaymentLine
from app.application.payments.service import Payments
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
    next_cursor: str | None = None


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[str, msgspec.Meta(pattern=r"^\d{1,10}(\.\d{1,2})?$")]


def _out(line: PaymentLine) -> PaymentOut:
    return PaymentOut(
        id=line.id, appointment_id=line.appointment_id, kind=line.kind,
        amount=str(line.amount), refunded=str(line.refunded), currency=line.amount.currency,
        provider=line.provider, status=line.status.value, created_at=line.created_at,
        confirmed_at=line.confirmed_at,
    )  # fmt: skip


class AdminPaymentsController(Controller):
    path = "/api/v1/admin/payments"
    tags = ["admin: payments"]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", summary="Payments, newest first (owner, assistant)")
    async def list_payments(
        self,
        principal: NamedDependency[Principal],
        payments: NamedDependency[Payments],
        status: Annotated[str | None, QueryParameter(name="status", max_length=32)] = None,
        date_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        date_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 50,
        cursor: CursorQuery = None,
    ) -> PaymentsOut:
        after = decode_position(cursor, tuple[AwareDatetime, uuid.UUID])
        lines = await payments.list_payments(
            principal, status, limit + 1, (date_from, date_to), after
        )
        page, next_cursor = page_of(lines, limit, lambda line: (line.created_at, line.id))
        return PaymentsOut([_out(line) for line in page], next_cursor)

    @post("/{payment_id:uuid}/refund", status_code=HTTP_204_NO_CONTENT,
          summary="Refund up to what was paid and not yet refunded (audited)")  # fmt: skip
    async def refund(
        self,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
        principal: NamedDependency[Principal],
        payments: NamedDependency[Payments],
    ) -> None:
        await payments.staff_refund(principal, payment_id, Money.of(data.amount))
