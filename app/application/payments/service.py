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
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import structlog

from app.application.access import Principal, ensure_roles
from app.application.audit import audit_action
from app.application.ports import Clock, UnitOfWork
from app.application.transactions import in_transaction
from app.domain.booking.appointment import Appointment, AppointmentCanceled, AppointmentStatus
from app.domain.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from app.domain.identity.model import Role
from app.domain.payments.model import PaymentNotificationReceived, can_move
from app.domain.shared.ids import new_id
from app.domain.shared.money import Money

logger = structlog.get_logger(__name__)

RECONCILE_AFTER = timedelta(minutes=5)
KNOWN_EVENTS = frozenset(
    {"payment.succeeded", "payment.canceled", "payment.waiting_for_capture", "refund.succeeded"}
)
REJECTED_UNKNOWN = "rejected_unknown_object"


class ProviderApi(Protocol):
    async def get_payment(self, payment_id: str) -> dict[str, Any]: ...

    async def get_refund(self, refund_id: str) -> dict[str, Any]: ...

    async def create_refund(self, body: dict[str, Any], idempotence_key: str) -> dict[str, Any]: ...


class PaymentLinks(Protocol):
    async def confirmation_url(self, payment_id: uuid.UUID) -> str: ...


class PaymentRecords(Protocol):
    async def record_notification(
        self, provider: str, event: str, object_id: str
    ) -> uuid.UUID | None: ...

    async def finish_notification(self, record_id: uuid.UUID, outcome: str) -> None: ...

    async def by_provider_id(self, provider_payment_id: str) -> dict[str, Any] | None: ...

    async def lock(self, payment_id: uuid.UUID) -> dict[str, Any] | None: ...

    async def set_status(
        self, payment_id: uuid.UUID, status: str, provider_payment_id: str | None,
        failure_reason: str | None,
    ) -> None: ...  # fmt: skip

    async def refund_by_provider_id(self, provider_refund_id: str) -> dict[str, Any] | None: ...

    async def set_refund_status(self, refund_id: uuid.UUID, status: str) -> None: ...

    async def refund_everything(
        self, payment_id: uuid.UUID, amount: Money, reason: str
    ) -> None: ...

    async def stale_open(self, before: datetime, limit: int) -> list[dict[str, Any]]: ...

    async def list_payments(self, status: str | None, limit: int) -> list[dict[str, Any]]: ...

    async def stale_refunds(self, before: datetime, limit: int) -> list[dict[str, Any]]: ...

    async def refundable(self, payment_id: uuid.UUID) -> dict[str, Any] | None: ...

    async def settle_sandbox(self, appointment_id: uuid.UUID) -> None: ...

    async def refunds_to_request(self, appointment_id: uuid.UUID) -> list[dict[str, Any]]: ...

    async def set_refund_provider(
        self, refund_id: uuid.UUID, provider_refund_id: str, status: str
    ) -> None: ...


class AppointmentStore(Protocol):
    async def get(self, appointment_id: uuid.UUID) -> Appointment | None: ...

    async def save(self, appointment: Appointment) -> None: ...


class PaymentsRepos(Protocol):
    @property
    def records(self) -> PaymentRecords: ...

    @property
    def appointments(self) -> AppointmentStore: ...


PaymentsUoW = UnitOfWork[PaymentsRepos]


class PaymentNotifications:
    def __init__(
        self,
        uow: Callable[[], PaymentsUoW],
        clock: Clock,
        api: ProviderApi | None,
        allowlist: Sequence[str],
        provider: str = "yookassa",
        links: PaymentLinks | None = None,
    ) -> None:
        self._links = links
        self._uow = uow
        self._clock = clock
        self._api = api
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
        is settled by ``reconcile``."""
        if not self.allowed(source):
            logger.warning("webhook_rejected_source", provider=self._provider)
            raise Forbidden("Notifications are accepted only from the provider's addresses.")
        if event not in KNOWN_EVENTS:
            raise ValidationFailed("not a notification this service handles", field="event")

        async def work(uow: PaymentsUoW) -> str:
            record_id = await uow.repos.records.record_notification(
                self._provider, event, object_id
            )
            if record_id is None:
                return "duplicate"
            if not await self._is_ours(uow, event, object_id):
                await uow.repos.records.finish_notification(record_id, REJECTED_UNKNOWN)
                return "rejected"
            uow.publish(
                PaymentNotificationReceived(
                    event_id=new_id(),
                    occurred_at=self._clock.now(),
                    aggregate_id=str(record_id),
                    provider=self._provider,
                    event=event,
                    object_id=object_id,
                )
            )
            return "recorded"

        outcome = await in_transaction(self._uow, work)
        logger.info("webhook_received", notification=event, outcome=outcome)
        return outcome

    @staticmethod
    async def _is_ours(uow: PaymentsUoW, event: str, object_id: str) -> bool:
        records = uow.repos.records
        if event.startswith("refund."):
            return await records.refund_by_provider_id(object_id) is not None
        return await records.by_provider_id(object_id) is not None

    async def process(self, notification: PaymentNotificationReceived) -> None:
        """Worker: fetch the object from the API, verify it, apply forward-only changes."""
        if self._api is None:
            raise RuntimeError("the provider API is not configured")
        if notification.event.startswith("refund."):
            fetched = await self._api.get_refund(notification.object_id)
        else:
            fetched = await self._api.get_payment(notification.object_id)
        record_id = uuid.UUID(notification.aggregate_id)

        async def work(uow: PaymentsUoW) -> str:
            if notification.event.startswith("refund."):
                outcome = await self._apply_refund(uow, notification, fetched)
            else:
                outcome = await self._apply_payment(uow, notification, fetched)
            await uow.repos.records.finish_notification(record_id, outcome)
            return outcome

        outcome = await in_transaction(self._uow, work)
        logger.info("webhook_processed", notification=notification.event, outcome=outcome)

    async def _apply_payment(
        self, uow: PaymentsUoW, notification: PaymentNotificationReceived, fetched: dict[str, Any]
    ) -> str:
        expected = notification.event.removeprefix("payment.")
        return await self._apply(uow, notification.object_id, expected, fetched)

    async def _apply(
        self, uow: PaymentsUoW, object_id: str, expected: str, fetched: dict[str, Any]
    ) -> str:
        if fetched.get("id") != object_id or fetched.get("status") != expected:
            return "ignored_status_mismatch"
        known = await uow.repos.records.by_provider_id(object_id)
        if known is None:
            return "ignored_unknown_payment"
        payment = await uow.repos.records.lock(known["id"])
        if payment is None:  # pragma: no cover (found a moment ago)
            return "ignored_unknown_payment"
        amount = fetched.get("amount") or {}
        metadata = fetched.get("metadata") or {}
        if (
            Decimal(str(amount.get("value", "-1"))) != payment["amount"]
            or amount.get("currency") != payment["currency"]
            or metadata.get("payment_id") != str(payment["id"])
        ):
            logger.error("webhook_payment_mismatch", payment_id=str(payment["id"]))
            return "ignored_mismatch"
        if not can_move(payment["status"], expected):
            return "ignored_stale"
        reason = (fetched.get("cancellation_details") or {}).get("reason")
        await uow.repos.records.set_status(
            payment["id"], expected, object_id,
            reason if isinstance(reason, str) and reason.replace("_", "").isalpha() else None,
        )  # fmt: skip
        await self._follow_up(uow, payment, expected)
        return f"payment_{expected}"

    async def _follow_up(self, uow: PaymentsUoW, payment: dict[str, Any], status: str) -> None:
        appointment = await uow.repos.appointments.get(payment["appointment_id"])
        if appointment is None:
            return
        now = self._clock.now()
        if status == "succeeded":
            if appointment.status is AppointmentStatus.PENDING_PAYMENT:
                appointment.confirm(now)
                await uow.repos.appointments.save(appointment)
            elif appointment.status is AppointmentStatus.CANCELED:
                # Paid after the hold was released: the money goes back in full.
                paid = Money(payment["amount"], payment["currency"])
                await uow.repos.records.refund_everything(payment["id"], paid, "hold_expired")
        elif status == "canceled" and appointment.status is AppointmentStatus.PENDING_PAYMENT:
            appointment.cancel(now, reason="payment_canceled", by=None)
            await uow.repos.appointments.save(appointment)

    async def reconcile(self, now: datetime) -> int:
        """Job: finish payments whose notification never came (or whose link was never
        made), so a paid client is never left unconfirmed."""
        if self._api is None:
            return 0
        api = self._api

        async def stale(uow: PaymentsUoW) -> list[dict[str, Any]]:
            return await uow.repos.records.stale_open(now - RECONCILE_AFTER, 50)

        settled = 0
        for payment in await in_transaction(self._uow, stale):
            if payment["provider_payment_id"] is None:
                if self._links is not None:  # the provider call never happened: same key again
                    await self._links.confirmation_url(payment["id"])
                continue
            fetched = await api.get_payment(payment["provider_payment_id"])
            if fetched.get("status") not in ("succeeded", "canceled", "waiting_for_capture"):
                continue

            async def apply(uow: PaymentsUoW, fetched: dict[str, Any] = fetched) -> str:
                return await self._apply(uow, str(fetched["id"]), str(fetched["status"]), fetched)

            if (await in_transaction(self._uow, apply)).startswith("payment_"):
                settled += 1
        settled += await self._poll_refunds(api, now)
        if settled:
            logger.info("payments_reconciled", count=settled)
        return settled

    async def _poll_refunds(self, api: ProviderApi, now: datetime) -> int:
        async def stale(uow: PaymentsUoW) -> list[dict[str, Any]]:
            return await uow.repos.records.stale_refunds(now - RECONCILE_AFTER, 50)

        settled = 0
        for refund in await in_transaction(self._uow, stale):
            fetched = await api.get_refund(refund["provider_refund_id"])
            status = fetched.get("status")
            if status not in ("succeeded", "canceled"):
                continue

            async def apply(uow: PaymentsUoW, refund_id: uuid.UUID = refund["id"],
                            status: str = str(status)) -> None:  # fmt: skip
                await uow.repos.records.set_refund_status(refund_id, status)

            await in_transaction(self._uow, apply)
            settled += 1
        return settled

    async def request_refunds(self, event: AppointmentCanceled) -> None:
        """Handler: ask YooKassa for the refunds a cancellation recorded (our stored
        idempotence key makes a redelivered event harmless)."""
        if event.refund_amount != "0.00":
            await self.request_refunds_for(uuid.UUID(event.aggregate_id))

    async def request_refunds_for(self, appointment_id: uuid.UUID) -> None:
        if self._api is None:
            return
        api = self._api

        async def pending(uow: PaymentsUoW) -> list[dict[str, Any]]:
            return await uow.repos.records.refunds_to_request(appointment_id)

        for refund in await in_transaction(self._uow, pending):
            body = {
                "payment_id": refund["provider_payment_id"],
                "amount": {"value": f"{refund['amount']:.2f}", "currency": refund["currency"]},
                "description": "Возврат по отмене записи",
            }
            created = await api.create_refund(body, str(refund["idempotence_key"]))
            status = created.get("status")
            status = status if status in ("pending", "succeeded", "canceled") else "pending"

            async def record(
                uow: PaymentsUoW, refund_id: uuid.UUID = refund["id"],
                provider_id: str = created["id"], status: str = status,
            ) -> None:  # fmt: skip
                await uow.repos.records.set_refund_provider(refund_id, provider_id, status)

            await in_transaction(self._uow, record)

    # --- staff ------------------------------------------------------------------------

    async def list_payments(self, actor: Principal, status: str | None) -> list[dict[str, Any]]:
        ensure_roles(actor, Role.OWNER, Role.ASSISTANT)

        async def work(uow: PaymentsUoW) -> list[dict[str, Any]]:
            return await uow.repos.records.list_payments(status, 200)

        return await in_transaction(self._uow, work)

    async def staff_refund(self, actor: Principal, payment_id: uuid.UUID, amount: Money) -> None:
        """Refund up to what was paid and not yet refunded; audited."""
        ensure_roles(actor, Role.OWNER, Role.ASSISTANT)
        if amount.is_zero or amount.amount < 0:
            raise ValidationFailed("the amount must be positive", field="amount")

        async def work(uow: PaymentsUoW) -> uuid.UUID:
            payment = await uow.repos.records.refundable(payment_id)
            if payment is None:
                raise NotFound()
            if payment["status"] != "succeeded":
                raise InvalidState("Only a succeeded payment can be refunded.")
            left = Money(payment["amount"] - payment["refunded"], payment["currency"])
            if left < amount:
                raise ValidationFailed(f"at most {left} can still be refunded", field="amount")
            await uow.repos.records.refund_everything(payment_id, amount, "staff_decision")
            if payment["provider"] == "sandbox":
                await uow.repos.records.settle_sandbox(payment["appointment_id"])
            await audit_action(uow, actor, "payment.refund", "payment", str(payment_id),
                               {"amount": str(amount)})  # fmt: skip
            appointment_id: uuid.UUID = payment["appointment_id"]
            return appointment_id

        appointment_id = await in_transaction(self._uow, work)
        await self.request_refunds_for(appointment_id)

    async def _apply_refund(
        self, uow: PaymentsUoW, notification: PaymentNotificationReceived, fetched: dict[str, Any]
    ) -> str:
        if fetched.get("id") != notification.object_id or fetched.get("status") != "succeeded":
            return "ignored_status_mismatch"
        refund = await uow.repos.records.refund_by_provider_id(notification.object_id)
        if refund is None:
            return "ignored_unknown_refund"
        if refund["status"] != "pending":
            return "ignored_stale"
        await uow.repos.records.set_refund_status(refund["id"], "succeeded")
        return "refund_succeeded"
