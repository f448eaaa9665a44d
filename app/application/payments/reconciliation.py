"""Reconciliation: what notifications and handlers left unfinished, asked of the
provider's API, so a lost notification never leaves a paid client unconfirmed and a
recorded refund is always requested."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from app.application.payments.links import ProviderLinks
from app.application.payments.ports import (
    PaymentGateway,
    PaymentsUoW,
    ProviderPayment,
    RefundToRequest,
)
from app.application.payments.refunds import RefundRequests
from app.application.payments.settlement import apply_provider_payment
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.payments.events import REFUND_FAILED, PaymentNeedsAttention
from app.domain.payments.payment import Payment, PaymentStatus, Refund, RefundStatus
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)

RECONCILE_AFTER = timedelta(minutes=5)
BATCH = 50
# What a payment left open may have become at the provider meanwhile.
MOVED_ON = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED, PaymentStatus.WAITING_FOR_CAPTURE}
)


class Reconciliation:
    def __init__(
        self, uow: Callable[[], PaymentsUoW], clock: Clock, gateway: PaymentGateway,
        refunds: RefundRequests, links: ProviderLinks | None = None,
    ) -> None:  # fmt: skip
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._refunds = refunds
        self._links = links

    async def run(self, now: datetime) -> int:
        """Job: finish payments whose notification never came (or whose link was never
        made), finish refunds still pending and ask for refunds never asked for; returns
        how many payments and refunds were finished."""
        before = now - RECONCILE_AFTER

        async def stale(uow: PaymentsUoW) -> list[Payment]:
            return await uow.repos.payments.stale_open(before, BATCH)

        settled = 0
        for payment in await in_transaction(self._uow, stale):
            if payment.provider_payment_id is None:
                if self._links is not None:  # the provider call never happened: same key again
                    await self._links.confirmation_url(payment.id)
                continue
            fetched = await self._gateway.get_payment(payment.provider_payment_id)
            if fetched.status is not None and fetched.status in MOVED_ON:
                settled += await self._apply(fetched, fetched.status)
        settled += await self._poll_refunds(before)
        await self._request_refunds(before)
        if settled:
            logger.info("payments_reconciled", count=settled)
        return settled

    async def _apply(self, fetched: ProviderPayment, status: PaymentStatus) -> int:
        """1 when the payment moved on (and its appointment was settled), else 0."""

        async def apply(uow: PaymentsUoW) -> str:
            return await apply_provider_payment(uow, fetched.id, status, fetched, self._clock.now())

        return int((await in_transaction(self._uow, apply)).startswith("payment_"))

    async def _poll_refunds(self, before: datetime) -> int:
        async def stale(uow: PaymentsUoW) -> list[Refund]:
            return await uow.repos.refunds.stale_refunds(before, BATCH)

        settled = 0
        for refund in await in_transaction(self._uow, stale):
            if refund.provider_refund_id is None:  # pragma: no cover (the query's condition)
                continue
            fetched = await self._gateway.get_refund(refund.provider_refund_id)
            if fetched.status is None or not refund.finish(fetched.status):
                continue

            async def record(uow: PaymentsUoW, finished: Refund = refund) -> None:
                await uow.repos.refunds.save_refund(finished)
                if finished.status is RefundStatus.CANCELED:  # the money did not go back
                    failed = PaymentNeedsAttention(
                        event_id=new_id(), occurred_at=self._clock.now(),
                        aggregate_id=str(finished.payment_id), reason=REFUND_FAILED,
                    )  # fmt: skip
                    uow.publish(failed)

            await in_transaction(self._uow, record)
            settled += 1
        return settled

    async def _request_refunds(self, before: datetime) -> None:
        async def unrequested(uow: PaymentsUoW) -> list[RefundToRequest]:
            return await uow.repos.refunds.unrequested_refunds(before, BATCH)

        await self._refunds.request(await in_transaction(self._uow, unrequested))
