"""Provider notifications (YooKassa webhooks).

Notifications carry no signature. So: accept them only from the provider's addresses,
record ``(provider, event, object_id)`` once (a duplicate is answered 200 and ignored,
one about an object that is not ours is recorded as rejected), and let the worker fetch
the object from the provider's API and trust only that answer (status, amount, currency,
metadata). Transitions move forward only.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Sequence

import structlog

from app.application.payments.ports import PaymentGateway, PaymentsUoW
from app.application.payments.settlement import apply_provider_payment
from app.application.ports import Clock
from app.application.transactions import in_transaction
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.payments.model import PaymentNotificationReceived
from app.domain.payments.payment import PaymentStatus, RefundStatus
from app.domain.shared.ids import new_id

logger = structlog.get_logger(__name__)

KNOWN_EVENTS = frozenset(
    {"payment.succeeded", "payment.canceled", "payment.waiting_for_capture", "refund.succeeded"}
)
REJECTED_UNKNOWN = "rejected_unknown_object"


def _is_refund(event: str) -> bool:
    return event.startswith("refund.")


class PaymentNotifications:
    def __init__(
        self,
        uow: Callable[[], PaymentsUoW],
        clock: Clock,
        gateway: PaymentGateway | None,
        allowlist: Sequence[str],
        provider: str = "yookassa",
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._networks = [ipaddress.ip_network(n, strict=False) for n in allowlist]
        self._provider = provider

    def allowed(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    async def receive(self, source: str | None, event: str, object_id: str) -> str:
        """Record a notification (``event`` about the provider's object ``object_id``);
        returns "recorded", "duplicate" or "rejected".

        A notification about an object that is not ours (no payment or refund with that
        provider id, which also covers an id not in the provider's format) is recorded
        as rejected and never fetched: it is answered 200 like any other, so the
        provider stops redelivering it. A payment whose provider id was not stored yet
        is settled by reconciliation."""
        if not self.allowed(source):
            logger.warning("webhook_rejected_source", provider=self._provider)
            raise Forbidden("Notifications are accepted only from the provider's addresses.")
        if event not in KNOWN_EVENTS:
            raise ValidationFailed("not a notification this service handles", field="event")

        async def work(uow: PaymentsUoW) -> str:
            recorded = await uow.repos.notifications.record(
                self._provider, event, object_id, refund=_is_refund(event),
                rejected=REJECTED_UNKNOWN,
            )  # fmt: skip
            if recorded is None:
                return "duplicate"
            if not recorded.ours:
                return "rejected"
            uow.publish(
                PaymentNotificationReceived(
                    event_id=new_id(),
                    occurred_at=self._clock.now(),
                    aggregate_id=str(recorded.id),
                    provider=self._provider,
                    event=event,
                    object_id=object_id,
                )
            )
            return "recorded"

        outcome = await in_transaction(self._uow, work)
        logger.info("webhook_received", notification=event, outcome=outcome)
        return outcome

    async def process(self, notification: PaymentNotificationReceived) -> None:
        """Worker: fetch the object from the API, verify it, apply forward-only changes."""
        if self._gateway is None:
            raise RuntimeError("the provider API is not configured")
        record_id = uuid.UUID(notification.aggregate_id)
        object_id = notification.object_id
        if _is_refund(notification.event):
            refund = await self._gateway.get_refund(object_id)

            async def apply(uow: PaymentsUoW) -> str:
                if refund.id != object_id or refund.status is not RefundStatus.SUCCEEDED:
                    return "ignored_status_mismatch"
                ours = await uow.repos.refunds.refund_by_provider_id(object_id)
                if ours is None:
                    return "ignored_unknown_refund"
                if not ours.finish(RefundStatus.SUCCEEDED):
                    return "ignored_stale"
                await uow.repos.refunds.save_refund(ours)
                return "refund_succeeded"

        else:
            payment = await self._gateway.get_payment(object_id)
            expected = PaymentStatus(notification.event.removeprefix("payment."))

            async def apply(uow: PaymentsUoW) -> str:
                return await apply_provider_payment(
                    uow, object_id, expected, payment, self._clock.now()
                )

        async def work(uow: PaymentsUoW) -> str:
            outcome = await apply(uow)
            await uow.repos.notifications.finish(record_id, outcome)
            return outcome

        outcome = await in_transaction(self._uow, work)
        logger.info("webhook_processed", notification=notification.event, outcome=outcome)
