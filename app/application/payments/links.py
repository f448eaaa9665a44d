"""Payment links at the provider: the call that follows a committed payment row.

The payment (with our idempotence key) is committed before the provider is called, so a
crash in between is finished by reconciliation with the same key and never charges
twice; booking asks for a link through its own ``PaymentLinks`` port, which this
fulfils."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import structlog

from app.application.payments.ports import (
    LinkRequest,
    PaymentGateway,
    PaymentsUoW,
)
from app.application.transactions import in_transaction
from app.domain.errors import NotFound
from app.domain.payments.model import PaymentProviderUnavailable
from app.domain.shared.links import SiteLinks

logger = structlog.get_logger(__name__)


class ProviderLinks:
    def __init__(
        self, uow: Callable[[], PaymentsUoW], gateway: PaymentGateway,
        site: SiteLinks | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._gateway = gateway
        self._site = site

    async def confirmation_url(self, payment_id: uuid.UUID, return_url: str | None = None) -> str:
        """The page where the client pays: the stored one, or a new one from the
        provider (``PaymentProviderUnavailable`` when it cannot be had now). After paying
        the client comes back to ``return_url`` (booking passes a guest's manage page),
        else to the appointment's page."""

        async def read(uow: PaymentsUoW) -> LinkRequest | None:
            return await uow.repos.payments.link_request(payment_id)

        request = await in_transaction(self._uow, read)
        if request is None:
            raise NotFound()
        payment = request.payment
        if payment.confirmation_url:
            return payment.confirmation_url
        order = request.order(
            return_url or (self._site.appointment(payment.appointment_id) if self._site else None)
        )
        try:
            created = await self._gateway.create_payment(order)
        except PaymentProviderUnavailable:
            logger.error("payment_link_failed", payment_id=str(payment_id))
            raise
        url = created.confirmation_url or ""

        async def record(uow: PaymentsUoW) -> None:
            locked = await uow.repos.payments.lock(payment_id)
            if locked is not None and locked.link(created.id, url):
                await uow.repos.payments.save(locked)

        await in_transaction(self._uow, record)
        return url
