"""The payments context's ``PaymentGateway`` over YooKassa: the client's calls with our
orders translated into request bodies and the answers into typed objects. Any failure
(unreachable, refused, unreadable) is ``PaymentProviderUnavailable`` to the application;
the log says which."""

from __future__ import annotations

import structlog

from app.adapters.yookassa.client import (
    InvalidObjectId,
    YooKassaClient,
    YooKassaError,
    YooKassaRejected,
)
from app.adapters.yookassa.translation import (
    MalformedAnswer,
    payment_body,
    payment_from,
    refund_body,
    refund_from,
)
from app.application.payments.ports import (
    PaymentOrder,
    ProviderPayment,
    ProviderRefund,
    RefundOrder,
)
from app.domain.payments.model import PaymentProviderUnavailable

logger = structlog.get_logger(__name__)

_FAILURES = (YooKassaError, YooKassaRejected, InvalidObjectId, MalformedAnswer)


class YooKassaGateway:
    def __init__(
        self, client: YooKassaClient, return_url: str, vat_code: int | None = None
    ) -> None:
        self._client = client
        self._return_url = return_url
        self._vat_code = vat_code

    async def aclose(self) -> None:
        await self._client.aclose()

    async def create_payment(self, order: PaymentOrder) -> ProviderPayment:
        body = payment_body(order, order.return_url or self._return_url, self._vat_code)
        try:
            return payment_from(await self._client.create_payment(body, str(order.idempotence_key)))
        except _FAILURES as exc:
            raise _unavailable("create_payment", exc) from exc

    async def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        try:
            return payment_from(await self._client.get_payment(provider_payment_id))
        except _FAILURES as exc:
            raise _unavailable("get_payment", exc) from exc

    async def create_refund(self, order: RefundOrder) -> ProviderRefund:
        body = refund_body(order, self._vat_code)
        try:
            return refund_from(await self._client.create_refund(body, str(order.idempotence_key)))
        except _FAILURES as exc:
            raise _unavailable("create_refund", exc) from exc

    async def get_refund(self, provider_refund_id: str) -> ProviderRefund:
        try:
            return refund_from(await self._client.get_refund(provider_refund_id))
        except _FAILURES as exc:
            raise _unavailable("get_refund", exc) from exc


def _unavailable(operation: str, exc: Exception) -> PaymentProviderUnavailable:
    logger.warning("yookassa_call_failed", operation=operation, error=type(exc).__name__)
    return PaymentProviderUnavailable()
